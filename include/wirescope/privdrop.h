/* Dropping root after the capture handle and output file are open. */
#ifndef WIRESCOPE_PRIVDROP_H
#define WIRESCOPE_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

/* When running as root and user is not "root": setgroups, setgid, setuid
 * to user, then verifies root cannot be regained. A no-op when not root.
 * Returns false with one line in err on failure. */
bool privdrop_to(const char *user, char *err, size_t errsz);

#endif
