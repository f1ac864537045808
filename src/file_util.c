/*
 * file_util.c - whole-or-nothing writes and bounded reads (see file_util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_util.h"

/* mkdir -p of the directory part of `path`. */
static int
file_mkdirs_for(const char *path)
{
	char dir[PATH_MAX];
	char *s;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	s = strrchr(dir, '/');
	if (s == NULL || s == dir)
		return 0;
	*s = '\0';
	for (s = dir + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* fsync the directory holding `path`, so a rename into it is on disk. */
static int
file_sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *s;
	int fd, rc;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	s = strrchr(dir, '/');
	if (s == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (s == dir)
		dir[1] = '\0';
	else
		*s = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
file_write_atomic(const char *path, const char *content, mode_t mode, bool durable)
{
	char tmp[PATH_MAX];
	size_t len = strlen(content), off = 0;
	ssize_t n;
	int fd = -1, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (file_mkdirs_for(path) == -1)
		return -1;
	/* A new file every time: whatever sits at PATH.tmp (a FIFO would block
	 * the open) is replaced, never written through. */
	if (unlink(tmp) == -1 && errno != ENOENT)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd == -1)
		return -1;
	/* Another user (BIRD) may have to read it: `mode` whatever our umask says. */
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (off < len) {
		n = write(fd, content + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	if (durable && fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	/* The file is in place now; a directory that cannot be fsynced (some
	 * file systems refuse) only leaves the rename's durability to the
	 * kernel's next writeback, which is no reason to call the save failed. */
	if (durable)
		(void)file_sync_dir_of(path);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

const char *
file_type_name(mode_t type)
{
	switch (type & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	case S_IFLNK: return "a symbolic link";
	default: return "not a regular file";
	}
}

/*
 * Open PATH for reading without ever waiting: O_NONBLOCK makes the open of a
 * FIFO without a writer (or of a device) return at once, and the type comes
 * from fstat of the descriptor we hold, so nothing can swap the file between
 * a check and the open.  A Unix socket cannot be opened at all (ENXIO): stat
 * it only to name it in the error.
 */
static int
file_open_stat(const char *path, struct stat *st, mode_t *typep)
{
	int fd, saved;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENXIO && stat(path, st) == 0 && S_ISSOCK(st->st_mode)) {
			if (typep != NULL)
				*typep = st->st_mode & S_IFMT;
			errno = ENODEV;
		}
		return -1;
	}
	if (fstat(fd, st) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (typep != NULL)
		*typep = st->st_mode & S_IFMT;
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	return fd;
}

int
file_open_regular(const char *path, mode_t *typep)
{
	struct stat st;

	if (typep != NULL)
		*typep = 0;
	return file_open_stat(path, &st, typep);
}

/* Double *bufp, but to no more than max + 2: max + 1 bytes and the NUL. */
static int
file_grow(char **bufp, size_t *sizep, size_t max)
{
	size_t size = *sizep > (max + 2) / 2 ? max + 2 : *sizep * 2;
	char *nbuf;

	if ((nbuf = realloc(*bufp, size)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*bufp = nbuf;
	*sizep = size;
	return 0;
}

char *
file_read_regular(const char *path, size_t max, size_t *lenp, mode_t *typep)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, size;
	ssize_t n;
	int fd, saved;

	if (typep != NULL)
		*typep = 0;
	if ((fd = file_open_stat(path, &st, typep)) == -1)
		return NULL;
	/* The size fails early and sizes the buffer; reading at most max + 1
	 * bytes still bounds a file that grows meanwhile. */
	if ((unsigned long long)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	size = (size_t)st.st_size + 4096 < max + 2 ? (size_t)st.st_size + 4096 : max + 2;
	if ((buf = malloc(size)) == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	for (;;) {
		if (len + 1 == size && file_grow(&buf, &size, max) == -1)
			goto fail;
		n = read(fd, buf + len, size - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
fail:
	saved = errno;
	close(fd);
	free(buf);
	errno = saved;
	return NULL;
}

char *
file_read_all(const char *path, size_t max)
{
	size_t len;
	char *buf = file_read_regular(path, max, &len, NULL);

	if (buf != NULL && memchr(buf, '\0', len) != NULL) {
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	return buf;
}
