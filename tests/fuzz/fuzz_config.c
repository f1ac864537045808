/*
 * fuzz_config.c - libFuzzer target for the config loader: JSON text in, a
 * struct config or error lines out.  config_parse_with() runs what a load
 * runs after reading the file: the NUL and trailing-data checks
 * (config_json_end), libyang's parse and validation, the error reporting
 * (with its reparse to locate missing nodes), the loader's own checks, the
 * struct building and the effective config's printing.
 *
 * The libyang context (the compiled module, ~20 ms to build: more than a
 * small config's whole parse) is created once, not per input;
 * config_test_schema_reuse shows a reused context reports exactly what a
 * fresh one does.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static struct config_schema *fuzz_schema;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_schema = config_schema_new(stderr);
	if (fuzz_schema == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *errors = NULL;
	size_t errlen = 0, i;
	struct config *cfg;
	FILE *err;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	assert(config_json_end(text, size) <= size);
	err = open_memstream(&errors, &errlen);
	assert(err != NULL);
	cfg = config_parse_with(fuzz_schema, "fuzz.json", text, size, err);
	fclose(err);
	/* A config and no error, or no config and error lines. */
	if (cfg != NULL) {
		assert(errlen == 0);
		assert(cfg->n_services > 0 && cfg->n_prefixes > 0);
		for (i = 0; i < cfg->n_prefixes; i++)
			for (size_t j = 0; j < cfg->prefixes[i].n_services; j++)
				assert(strcmp(cfg->services[cfg->prefixes[i].service_index[j]].name,
					      cfg->prefixes[i].services[j]) == 0);
		assert(cfg->effective_json != NULL);
	} else {
		assert(errlen > 0 && errors[errlen - 1] == '\n');
		assert(strncmp(errors, "fuzz.json: ", strlen("fuzz.json: ")) == 0);
	}
	config_free(cfg);
	free(errors);
	free(text);
	return 0;
}
