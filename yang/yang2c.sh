#!/bin/sh
# Turn the YANG module into a C string so the daemon needs no schema file at
# run time: yang2c.sh MODULE.yang > config_yang.c
set -e
echo '/* Generated from '"$(basename "$1")"' by yang/yang2c.sh: do not edit. */'
echo '#include "config.h"'
echo 'const char config_yang_module[] ='
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$/\\n"/' "$1"
echo ';'
