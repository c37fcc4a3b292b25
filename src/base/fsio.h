/*
 * fsio.h: the two file-system steps every durable write in weir repeats: writing a whole buffer to a
 * descriptor (short writes and EINTR retried) and fsyncing a directory after a file was created or
 * renamed in it (POSIX makes the new name durable only then). Used by the stream store, checkpoints of
 * continuous queries and the local object store. Both return 0, or -1 with errno set.
 */
#ifndef WEIR_BASE_FSIO_H
#define WEIR_BASE_FSIO_H

#include <stddef.h>
#include <stdint.h>

int fsio_write_all(int fd, const uint8_t *p, size_t n);
int fsio_dir_fsync(const char *path);

#endif
