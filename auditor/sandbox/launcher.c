/*
 * auditor-sandbox-launcher: the C twin of auditor/sandbox/launcher.py.
 *
 * sandbox.Popen spawns this executable with plain subprocess.Popen (no preexec_fn, so
 * CPython uses vfork + exec instead of forking the interpreter) and it does, in C, exactly
 * what launcher.py does between fork and exec: same plan, same steps, same info-pipe
 * protocol (P<pid>, S<piece>|<error>, E<piece>|<error>, A<pieces>, R<cpu s> <max rss KiB>).
 *
 * argv: key=value plan items, then "--", then the program to exec, then its argv.
 *   v=PROTOCOL    must equal PROTOCOL below (else: refuse to run, exit 126)
 *   src=SHA256    (optional) sha256 of the launcher.c next to the caller's Python files;
 *                 must equal SOURCE_SHA256, set by setup.py at build time (else: refuse)
 *   info=FD       the info pipe (written)            exec=FD   exec-error pipe (written)
 *   ppid=PID      the caller (PDEATHSIG check)       uid=N gid=N  ids to map in the userns
 *   ns=NAME       user|mount|pid|ipc|uts|net (repeatable)
 *   req=PIECE     required piece (repeatable)        fault=PIECE  test-only fault injection
 *   cg=PATH       v1 "tasks" (written "0") or v2 "cgroup.procs" (written our pid)
 *   rl=RES:SOFT:HARD  an rlimit                      ro=1      read-only root
 *   tmp=SIZE      tmpfs /tmp of SIZE bytes            hide=PATH, expose=PATH, exposetmp=PATH
 *   cwd=PATH      working directory inside            lastcap=N
 * The exec-error pipe stays open (close-on-exec) in the payload until its exec: EOF means
 * the exec succeeded, otherwise the payload writes the errno in decimal and exits 255.
 *
 * No setuid, no file capabilities: it has exactly the privileges of the caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXN 64
#define PROTOCOL "1" /* native.PROTOCOL: the argv plan's version */
#ifndef SOURCE_SHA256
#define SOURCE_SHA256 "" /* built by hand: no source check */
#endif

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x4
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x1
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#endif
#ifndef PR_CAP_AMBIENT_CLEAR_ALL
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

struct sbx_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

struct list {
    int n;
    const char *v[MAXN];
};

struct rl {
    int res;
    unsigned long long soft, hard;
};

static struct {
    int info_fd, exec_fd;
    pid_t parent_pid;
    unsigned uid, gid;
    struct list ns, req, fault, cg, hide, expose, expose_tmp;
    struct rl rlimits[MAXN];
    int nrl;
    int readonly_root;
    const char *private_tmp;
    const char *cwd;
    int last_cap;
    /* applied pieces, comma-separated, in order */
    char applied[512];
} plan = {.info_fd = -1, .exec_fd = -1, .last_cap = 40};

static int has(const struct list *l, const char *s) {
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0) return 1;
    return 0;
}

static void say(char tag, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    buf[0] = tag;
    va_start(ap, fmt);
    int n = vsnprintf(buf + 1, sizeof buf - 2, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if (n > (int)sizeof buf - 3) n = (int)sizeof buf - 3;
    for (int i = 1; i <= n; i++)
        if (buf[i] == '\n') buf[i] = ' ';
    buf[n + 1] = '\n';
    if (plan.info_fd >= 0 && write(plan.info_fd, buf, (size_t)n + 2) < 0) { /* parent gone */
    }
}

/* An error message as Python's OSError prints it, so both launchers read alike. */
static char errbuf[1024];
static int fail(const char *what) {
    int e = errno;
    snprintf(errbuf, sizeof errbuf, "[Errno %d] %s: %s", e, what, strerror(e));
    return -1;
}

static void mark_applied(const char *piece) {
    /* pieces are only attempted once each except "rlimits": keep the first */
    char probe[64];
    snprintf(probe, sizeof probe, ",%s,", piece);
    char cur[sizeof plan.applied + 2];
    snprintf(cur, sizeof cur, ",%s,", plan.applied);
    if (strstr(cur, probe)) return;
    size_t len = strlen(plan.applied);
    snprintf(plan.applied + len, sizeof plan.applied - len, "%s%s", len ? "," : "", piece);
}

/* Run fn for piece: report E and exit 126 when a required piece fails, S otherwise. */
static int attempt(const char *piece, int (*fn)(void)) {
    int rc;
    if (has(&plan.fault, piece)) {
        snprintf(errbuf, sizeof errbuf, "[Errno %d] simulated failure (fault injection)", EPERM);
        rc = -1;
    } else {
        errbuf[0] = 0;
        rc = fn();
    }
    if (rc < 0) {
        if (has(&plan.req, piece)) {
            say('E', "%s|%s", piece, errbuf);
            _exit(126);
        }
        say('S', "%s|%s", piece, errbuf);
        return 0;
    }
    mark_applied(piece);
    return 1;
}

static int applied(const char *piece) {
    char probe[64], cur[sizeof plan.applied + 2];
    snprintf(probe, sizeof probe, ",%s,", piece);
    snprintf(cur, sizeof cur, ",%s,", plan.applied);
    return strstr(cur, probe) != NULL;
}

static int write_file(const char *path, const char *data) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail(path);
    size_t len = strlen(data);
    ssize_t n = write(fd, data, len);
    int e = errno;
    close(fd);
    if (n != (ssize_t)len) {
        errno = n < 0 ? e : EIO;
        return fail(path);
    }
    return 0;
}

/* ---- steps ---------------------------------------------------------------------- */

static int join_cgroup(void) {
    char me[32];
    snprintf(me, sizeof me, "%d", (int)getpid());
    for (int i = 0; i < plan.cg.n; i++) {
        const char *p = plan.cg.v[i];
        size_t len = strlen(p);
        /* v1 tasks: "0" moves this (only) thread, without the global threadgroup lock */
        int tasks = len >= 6 && strcmp(p + len - 6, "/tasks") == 0;
        if (write_file(p, tasks ? "0" : me) < 0) return -1;
    }
    return 0;
}

static int set_rlimits(int nproc_only) {
    for (int i = 0; i < plan.nrl; i++) {
        int is_nproc = plan.rlimits[i].res == RLIMIT_NPROC;
        if (is_nproc != nproc_only) continue;
        struct rlimit r = {(rlim_t)plan.rlimits[i].soft, (rlim_t)plan.rlimits[i].hard};
        if (setrlimit(plan.rlimits[i].res, &r) < 0) return fail("setrlimit");
    }
    return 0;
}
static int rlimits_rest(void) { return set_rlimits(0); }

static int user_ns(void) {
    char map[64];
    if (unshare(CLONE_NEWUSER) < 0) return fail("unshare");
    if (write_file("/proc/self/setgroups", "deny") < 0) return -1;
    snprintf(map, sizeof map, "%u %u 1", plan.uid, plan.uid);
    if (write_file("/proc/self/uid_map", map) < 0) return -1;
    snprintf(map, sizeof map, "%u %u 1", plan.gid, plan.gid);
    return write_file("/proc/self/gid_map", map);
}

static int ns_flag;
static int unshare_one(void) { return unshare(ns_flag) < 0 ? fail("unshare") : 0; }

static int mount_private(void) {
    return mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ? fail("mount /") : 0;
}

static int mount_proc(void) {
    if (mount("proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return fail("mount /proc");
    return 0;
}

static int setattr_ro(const char *path, unsigned flags) {
    struct sbx_mount_attr attr = {MOUNT_ATTR_RDONLY, 0, 0, 0};
    if (syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &attr, sizeof attr) < 0) {
        char what[300];
        snprintf(what, sizeof what, "mount_setattr(read-only) %s", path);
        return fail(what);
    }
    return 0;
}

static int readonly_root(void) { return setattr_ro("/", AT_RECURSIVE); }

/* Kernel interfaces a uid-0 payload could still write without any capability, because it
 * owns their files: every sysfs, cgroup (v1 and v2) and proc mount becomes read-only
 * (cgroupfs: writing "0" to another cgroup's tasks file would leave the per-run cgroup and
 * its limits; /proc/sys: host sysctls).  /sys goes recursively in one call when it is a mount
 * point; the rest come from /proc/self/mountinfo (the fresh /proc, mounted read-only, is
 * skipped).  launcher.py: _readonly_kernel. */
static int setattr_ro_mounted(const char *path, unsigned flags) {
    struct sbx_mount_attr attr = {MOUNT_ATTR_RDONLY, 0, 0, 0};
    if (syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &attr, sizeof attr) == 0) return 1;
    /* EINVAL: not a mount point (or covered by another mount); ENOENT: gone */
    if (errno == EINVAL || errno == ENOENT) return 0;
    char what[300];
    snprintf(what, sizeof what, "mount_setattr(read-only) %s", path);
    return fail(what);
}

static int is_under(const char *path, const char *top) {
    size_t n = strlen(top);
    return strncmp(path, top, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* mountinfo escapes space, tab, newline and backslash as \ooo (octal) */
static void unescape(char *s) {
    char *out = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            *out++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        } else {
            *out++ = *p;
        }
    }
    *out = 0;
}

static int readonly_kernel(void) {
    int sys_done = setattr_ro_mounted("/sys", AT_RECURSIVE);
    if (sys_done < 0) return -1;
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) return fail("open /proc/self/mountinfo");
    char line[8192];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        /* id parent major:minor root mountpoint options [optional...] - fstype source super */
        char *sep = strstr(line, " - ");
        if (!sep) continue;
        char fstype[64];
        if (sscanf(sep + 3, "%63s", fstype) != 1) continue;
        if (strcmp(fstype, "sysfs") && strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2") &&
            strcmp(fstype, "proc"))
            continue;
        char *save = NULL, *field = strtok_r(line, " ", &save);
        for (int i = 0; field && i < 4; i++) field = strtok_r(NULL, " ", &save);
        if (!field) continue;
        unescape(field);
        if (sys_done && is_under(field, "/sys")) continue;
        if (applied("proc") && strcmp(field, "/proc") == 0) continue; /* the fresh one */
        if (setattr_ro_mounted(field, AT_RECURSIVE) < 0) rc = -1;
    }
    fclose(f);
    return rc;
}

static int open_tree_clone(const char *path) {
    long fd = syscall(SYS_open_tree, AT_FDCWD, path,
                      OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE);
    if (fd < 0) {
        char what[300];
        snprintf(what, sizeof what, "open_tree %s", path);
        return fail(what);
    }
    return (int)fd;
}

static int move_mount_to(int fd, const char *target) {
    if (syscall(SYS_move_mount, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        char what[300];
        snprintf(what, sizeof what, "move_mount %s", target);
        return fail(what);
    }
    return 0;
}

static int makedirs(const char *path) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return fail(path);
    }
    strcpy(buf, path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0755) < 0 && errno != EEXIST) return fail(buf);
            *p = c;
            if (!c) break;
        }
    }
    return 0;
}

/* Attach the detached trees fds[i] at paths[i] (made first), optionally read-only. */
static int attach(const struct list *paths, const int *fds, int readonly) {
    for (int i = 0; i < paths->n; i++) {
        if (makedirs(paths->v[i]) < 0 || move_mount_to(fds[i], paths->v[i]) < 0) return -1;
        close(fds[i]);
        if (readonly && setattr_ro(paths->v[i], 0) < 0) return -1;
    }
    return 0;
}

static int clone_all(const struct list *paths, int *fds) {
    for (int i = 0; i < paths->n; i++)
        if ((fds[i] = open_tree_clone(paths->v[i])) < 0) return -1;
    return 0;
}

static int hide_homes(void) {
    int fds[MAXN];
    if (clone_all(&plan.expose, fds) < 0) return -1;
    for (int i = 0; i < plan.hide.n; i++)
        if (mount("tmpfs", plan.hide.v[i], "tmpfs", MS_NOSUID | MS_NODEV,
                  "size=64k,mode=755") < 0)
            return fail(plan.hide.v[i]);
    if (attach(&plan.expose, fds, 0) < 0) return -1;
    for (int i = 0; i < plan.hide.n; i++)
        if (setattr_ro(plan.hide.v[i], 0) < 0) return -1;
    return 0;
}

static int private_tmp(void) {
    int fds[MAXN];
    char opts[128];
    if (clone_all(&plan.expose_tmp, fds) < 0) return -1;
    snprintf(opts, sizeof opts, "size=%s,mode=1777", plan.private_tmp);
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        return fail("mount /tmp");
    return attach(&plan.expose_tmp, fds, 1);
}

static int loopback_up(void) {
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return fail("socket");
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
        fail("SIOCGIFFLAGS lo");
        close(s);
        return -1;
    }
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
        fail("SIOCSIFFLAGS lo");
        close(s);
        return -1;
    }
    close(s);
    return 0;
}

static int set_hostname(void) {
    return sethostname("sandbox", 7) < 0 ? fail("sethostname") : 0;
}

static int no_new_privs(void) {
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? fail("prctl(PR_SET_NO_NEW_PRIVS)") : 0;
}

static int drop_caps(void) {
    for (int cap = 0; cap <= plan.last_cap; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return fail("prctl(PR_CAPBSET_DROP)");
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) < 0) return fail("capset");
    return 0;
}

static const char *chdir_target;
static int do_chdir(void) { return chdir(chdir_target) < 0 ? fail(chdir_target) : 0; }

/* ---- processes ------------------------------------------------------------------- */

static void close_all_but(int a, int b) {
    int keep[2] = {a < b ? a : b, a < b ? b : a};
    unsigned int last = 0;
    for (int i = 0; i < 2; i++) {
        if (keep[i] < 0) continue;
        unsigned int k = (unsigned int)keep[i];
        if (k > last && syscall(SYS_close_range, last, k - 1, 0) < 0)
            for (unsigned int fd = last; fd < k; fd++) close((int)fd);
        last = k + 1;
    }
    if (syscall(SYS_close_range, last, ~0U, 0) < 0) {
        struct rlimit r;
        rlim_t max = getrlimit(RLIMIT_NOFILE, &r) == 0 ? r.rlim_max : 65536;
        if (max > 1 << 20) max = 1 << 20;
        for (rlim_t fd = last; fd < max; fd++) close((int)fd);
    }
}

static void die_like(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        struct rlimit zero = {0, 0};
        sigset_t set;
        setrlimit(RLIMIT_CORE, &zero);
        signal(sig, SIG_DFL);
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        kill(getpid(), sig);
        _exit(128 + sig);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 255);
}

/* Outside the namespaces: wait for the init, relay the payload's status and rusage. */
static void intermediate(pid_t pid, int status_r) {
    int status;
    struct rusage ru;
    say('P', "%d", (int)pid);
    close_all_but(plan.info_fd, status_r);
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) _exit(255);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    say('R', "%.6f %ld", cpu, ru.ru_maxrss);
    char buf[32];
    ssize_t n, got = 0;
    while (got < (ssize_t)sizeof buf - 1 &&
           (n = read(status_r, buf + got, sizeof buf - 1 - (size_t)got)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        got += n;
    }
    buf[got] = 0;
    if (got > 0) {
        char *end;
        long v = strtol(buf, &end, 10);
        if (end != buf && *end == 0) status = (int)v;
    }
    die_like(status);
}

/* The pid-namespace init: mounts, network, hostname, drops its own privileges, forks the
 * payload, reaps orphans, exits (tearing the namespace down) when the payload exits. */
static void init_setup(int status_w) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    struct pollfd pfd = {status_w, POLLOUT, 0};
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLERR | POLLHUP))) _exit(137);
    if (applied("mount")) {
        attempt("mount", mount_private);
        if (applied("pid")) attempt("proc", mount_proc);
        if (plan.readonly_root) attempt("readonly-root", readonly_root);
        else attempt("readonly-sys", readonly_kernel); /* the read-only root covers these */
        if (plan.hide.n) attempt("hidden-home", hide_homes);
        if (plan.private_tmp) attempt("tmpfs-tmp", private_tmp);
    }
    if (applied("net")) attempt("lo", loopback_up);
    if (applied("uts")) attempt("hostname", set_hostname);
    attempt("nnp", no_new_privs);
    attempt("nocaps", drop_caps);
    pid_t payload = fork();
    if (payload < 0) {
        fail("fork");
        say('E', "setup|%s", errbuf);
        _exit(126);
    }
    if (payload == 0) return;
    close_all_but(status_w, -1);
    int status;
    for (;;) {
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            _exit(255);
        }
        if (pid == payload) break;
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", status);
    if (write(status_w, buf, (size_t)n) < 0) _exit(255);
    _exit(0);
}

static void exec_payload(const char *file, char **argv) {
    int err = ENOENT, saved = 0;
    if (strchr(file, '/')) {
        execv(file, argv);
        err = errno;
    } else {
        const char *path = getenv("PATH");
        if (!path) path = "/bin:/usr/bin";  /* os.defpath */
        char buf[4096];
        const char *p = path;
        for (;;) {
            const char *colon = strchr(p, ':');
            size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
            if (dlen == 0) dlen = 1, p = ".";  /* empty entry: current directory */
            if (dlen + strlen(file) + 2 <= sizeof buf) {
                memcpy(buf, p, dlen);
                buf[dlen] = '/';
                strcpy(buf + dlen + 1, file);
                execv(buf, argv);
                err = errno;
                if (err != ENOENT && err != ENOTDIR && saved == 0) saved = err;
            }
            if (!colon) break;
            p = colon + 1;
        }
        if (saved) err = saved;
    }
    char msg[32];
    int n = snprintf(msg, sizeof msg, "%d", err);
    if (write(plan.exec_fd, msg, (size_t)n) < 0) { /* nothing to tell */
    }
    _exit(255);
}

/* ---- plan parsing ---------------------------------------------------------------- */

static void add(struct list *l, const char *v) {
    if (l->n >= MAXN) {
        fprintf(stderr, "auditor-sandbox-launcher: too many items\n");
        _exit(126);
    }
    l->v[l->n++] = v;
}

static const char *stale, *stale_src;

static int parse_plan(int argc, char **argv) {
    int i;
    for (i = 1; i < argc; i++) {
        char *a = argv[i];
        if (strcmp(a, "--") == 0) return i + 1;
        char *eq = strchr(a, '=');
        if (!eq) return -1;
        *eq = 0;
        const char *v = eq + 1;
        if (!strcmp(a, "v")) {
            if (strcmp(v, PROTOCOL) != 0) stale = v; /* a stale build: fail closed */
        } else if (!strcmp(a, "src")) {
            if (*SOURCE_SHA256 && strcmp(v, SOURCE_SHA256) != 0) stale_src = v;
        } else if (!strcmp(a, "info")) plan.info_fd = atoi(v);
        else if (!strcmp(a, "exec")) plan.exec_fd = atoi(v);
        else if (!strcmp(a, "ppid")) plan.parent_pid = (pid_t)atoi(v);
        else if (!strcmp(a, "uid")) plan.uid = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "gid")) plan.gid = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "ns")) add(&plan.ns, v);
        else if (!strcmp(a, "req")) add(&plan.req, v);
        else if (!strcmp(a, "fault")) add(&plan.fault, v);
        else if (!strcmp(a, "cg")) add(&plan.cg, v);
        else if (!strcmp(a, "hide")) add(&plan.hide, v);
        else if (!strcmp(a, "expose")) add(&plan.expose, v);
        else if (!strcmp(a, "exposetmp")) add(&plan.expose_tmp, v);
        else if (!strcmp(a, "ro")) plan.readonly_root = atoi(v);
        else if (!strcmp(a, "tmp")) plan.private_tmp = v;
        else if (!strcmp(a, "cwd")) plan.cwd = v;
        else if (!strcmp(a, "lastcap")) plan.last_cap = atoi(v);
        else if (!strcmp(a, "rl")) {
            if (plan.nrl >= MAXN) return -1;
            struct rl *r = &plan.rlimits[plan.nrl++];
            char *end;
            r->res = (int)strtol(v, &end, 10);
            if (*end != ':') return -1;
            r->soft = (unsigned long long)strtoll(end + 1, &end, 10);
            if (*end != ':') return -1;
            r->hard = (unsigned long long)strtoll(end + 1, &end, 10);
            if (*end) return -1;
        } else return -1;
    }
    return -1;
}

int main(int argc, char **argv) {
    int first = parse_plan(argc, argv);
    if (first < 0 || first + 1 >= argc || plan.info_fd < 0 || plan.exec_fd < 0) {
        fprintf(stderr, "auditor-sandbox-launcher: bad arguments (run by auditor.sandbox)\n");
        return 126;
    }
    if (stale_src) {
        say('E', "launcher|this compiled launcher was built from another launcher.c "
                 "(sha256 %.12s..., the source here is %.12s...)", SOURCE_SHA256, stale_src);
        return 126;
    }
    if (stale) {
        say('E', "launcher|this compiled launcher speaks protocol %s, the caller %s", PROTOCOL,
            stale);
        return 126;
    }
    const char *file = argv[first];
    char **payload_argv = argv + first + 1;

    /* Default dispositions and an empty signal mask, like launcher.py's reset. */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    fcntl(plan.exec_fd, F_SETFD, FD_CLOEXEC);

    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != plan.parent_pid) _exit(137);
    if (plan.cg.n) attempt("cgroup", join_cgroup);
    if (has(&plan.ns, "user")) attempt("user", user_ns);
    /* RLIMIT_NPROC after the user namespace, before any fork: the kernel counts it per
     * (user namespace, uid) and checks every ancestor namespace against the limit its
     * creator had when creating it.  Set before, 64 would also cap all of the caller's own
     * processes on the host (a user with more fails to start any sandbox); set inside, it
     * bounds the sandbox, which cannot raise it (that takes CAP_SYS_RESOURCE in the
     * initial namespace).  launcher.py: child_setup. */
    if (set_rlimits(1) < 0) {
        say('E', "rlimits|%s", errbuf);
        _exit(126);
    }
    static const struct {
        const char *name;
        int flag;
    } nss[] = {{"mount", CLONE_NEWNS}, {"pid", CLONE_NEWPID}, {"ipc", CLONE_NEWIPC},
               {"uts", CLONE_NEWUTS},  {"net", CLONE_NEWNET}};
    for (size_t i = 0; i < sizeof nss / sizeof nss[0]; i++) {
        if (!has(&plan.ns, nss[i].name)) continue;
        ns_flag = nss[i].flag;
        attempt(nss[i].name, unshare_one);
    }

    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) < 0) {
        fail("pipe");
        say('E', "setup|%s", errbuf);
        _exit(126);
    }
    pid_t pid = fork();
    if (pid < 0) {
        fail("fork");
        say('E', "setup|%s", errbuf);
        _exit(126);
    }
    if (pid > 0) {
        close(status_pipe[1]);
        close(plan.exec_fd);
        intermediate(pid, status_pipe[0]); /* never returns */
    }
    close(status_pipe[0]);
    init_setup(status_pipe[1]); /* returns in the payload only */

    /* The payload, just before exec. */
    close(status_pipe[1]);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    chdir_target = plan.cwd;
    if (!chdir_target && applied("tmpfs-tmp")) chdir_target = "/tmp";
    if (chdir_target) attempt("cwd", do_chdir);
    attempt("rlimits", rlimits_rest);
    say('A', "%s", plan.applied);
    close(plan.info_fd);
    exec_payload(file, payload_argv);
    return 255;
}
