/* Gives up root for the named user and proves it cannot come back. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "wirescope/privdrop.h"

bool privdrop_to(const char *user, char *err, size_t errsz)
{
    if (geteuid() != 0 || strcmp(user, "root") == 0)
        return true;
    errno = 0;
    const struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errsz, "cannot drop privileges: no user \"%s\"", user);
        return false;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, errsz, "cannot drop privileges to %s: %s", user,
                 strerror(errno));
        return false;
    }
    if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, errsz, "privilege drop to %s failed: root regained", user);
        return false;
    }
    if (getuid() != uid || geteuid() != uid || getgid() != gid ||
        getegid() != gid) {
        snprintf(err, errsz, "privilege drop to %s incomplete", user);
        return false;
    }
    return true;
}
