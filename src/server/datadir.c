/* The data directory: created 0700 when missing, and locked so that one medfwd at a
 * time uses it. The lock is a POSIX record lock on data_dir/medfwd.pid (which holds
 * the pid of the server that has it); it is released by the kernel when the process
 * ends, however it ends, so a stale file never blocks a restart. The file is never
 * unlinked (unlinking a lock file races with a starting server). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

enum medfw_err medfwd_datadir_open(const char *data_dir, int *out_fd, struct medfw_diag *diag)
{
	char path[4096], pid[32];
	struct stat st;
	struct flock fl;
	enum medfw_err err;
	int fd;

	*out_fd = -1;
	err = medfw_mkdir_p(data_dir, 0700, diag);
	if (err != MEDFW_OK)
		return err;
	if (stat(data_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: not a directory", data_dir);
	if ((size_t)snprintf(path, sizeof(path), "%s/medfwd.pid", data_dir) >= sizeof(path))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", data_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", path, strerror(errno));
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		close(fd);
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "%s is in use by another medfwd (lock held on %s)", data_dir,
				      path);
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 ||
	    medfw_write_all(fd, pid, strlen(pid), path, diag) != MEDFW_OK) {
		close(fd);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: cannot write the pid", path);
	}
	*out_fd = fd;
	return MEDFW_OK;
}
