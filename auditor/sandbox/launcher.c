/*
 * auditor-sandbox-launcher: the compiled launcher of auditor.sandbox.
 *
 * sandbox.Popen spawns it with plain subprocess.Popen (vfork + exec: the calling interpreter
 * is never forked); auditor/sandbox/pylauncher.py is its Python twin (same plan, same steps,
 * same info-pipe protocol), used without a C compiler.  Three processes:
 *
 *   launcher (Popen.pid, on the host: joins the cgroup, creates the namespaces, writes the
 *   │         user namespace's id maps, waits for the payload, relays its status and rusage)
 *   ├── init  (pid 1 of the new pid namespace, cloned with every namespace: its cwd is "/",
 *   │          it is not dumpable, runs as its own uid where one can be arranged, drops every
 *   │          capability, gets the payload's rlimits and seccomp filter, reaps orphans)
 *   └── payload (joins the init's namespaces, builds the filesystem view from the plan's
 *               allow-list in a fresh tmpfs and pivots into it, switches to its uid, gets a
 *               new session keyring, drops capabilities, Landlock, rlimits, seccomp, exec)
 *
 * The payload is the launcher's own child, so its exit status and rusage come straight
 * from the kernel: the init cannot forge them.  When it exits, the launcher kills the init,
 * which ends the pid namespace and everything left in it.  The launcher outlives both: it
 * exits only once it has reaped them, so that a killed run leaves nothing to the host's init
 * (which may reap late) nor to a caller that is a child subreaper.  The caller kills a run by
 * killing the init, not the launcher.  Every other signal the launcher gets (terminate()'s
 * SIGTERM, send_signal(), a kill(1) of Popen.pid) is forwarded to the payload, as subprocess
 * would deliver it to its child: a payload that handles it runs its handler, and the launcher
 * relays whatever status the payload then ends with.  The payload is the leader of a process
 * group of its own, so that a signal sent to the launcher's group reaches it once.
 *
 * Info pipe: P<pid> (the host pid to kill: the init, or the payload without a pid
 * namespace; sent with A), S<piece>|<error> (skipped, degraded mode), E<piece>|<error> (a required piece
 * failed: nothing is exec'd), A<pieces> (ready to exec), R<cpu s> <max rss KiB> (after),
 * Q<payload pid> <init pid> (the launcher's two children, host pids: written before the
 * init is told to go, so always before A; a caller that is a child subreaper, or pid 1,
 * inherits them when the launcher is killed, and must reap them itself).
 *
 * argv: key=value plan items, "--", the program to exec, its argv ("--init" first: the init
 * program of the Python launcher's preexec_fn path, see init_main).
 *   v=PROTOCOL src=SHA256  version and source checks (a stale build refuses to run)
 *   info=FD exec=FD ppid=PID lastcap=N
 *   uid=N gid=N            the caller's ids (mapped 1:1 when the caller is not root)
 *   idmap=N                root caller: the payload runs as host uid/gid N, the init as N+1
 *   ns=NAME               user|mount|pid|ipc|uts|net (repeatable)
 *   req=PIECE fault=PIECE required pieces; test-only fault injection
 *   skip=PIECE            benchmark-only: leave the piece out (not attempted, not reported)
 *   cg=PATH               v1 "tasks" (written "0") or v2 "cgroup.procs" (written our pid)
 *   rl=RES:SOFT:HARD      an rlimit (payload and init)
 *   ucount=NAME:VALUE     /proc/sys/user/NAME set in the sandbox's user namespace (repeatable)
 *   bpf=HEX               the seccomp program (struct sock_filter[], from seccomp.py)
 *   landlock=1            restrict the payload with Landlock where the kernel has it
 *   profile=NAME          strict|standard (reporting: readonly-root or readonly-sys)
 *   cwd=PATH              working directory inside
 *   own=FD                a stdio pipe the sandbox made (a capture or a relay's): the only
 *                         pipes a root caller's payload is given (give_stdio_pipes)
 *   fd=SRC:DST            a relay's pipe end SRC becomes DST (a pass_fds number), at once
 *   ro=N,N,...            an unprivileged caller's descriptors the payload gets (its stdio,
 *                         its pass_fds): each read-only regular file, and each device the
 *                         caller owns (a terminal), is reopened through a read-only clone of
 *                         its mount, so that its mode, owner, times and xattrs stay (reopen_ro)
 * Filesystem operations, applied in order to the new root:
 *   bind=MODE:N:SRCDST    bind SRC (its first N bytes) at DST; MODE ro, rw, rwid (rw,
 *                         idmapped through the sandbox's user namespace), roid (ro,
 *                         idmapped), dev (device node)
 *   link=N:PATHTARGET     a symlink PATH (first N bytes) -> TARGET
 *   tmpfs=SIZE:INODES:MODE:PATH  a writable tmpfs (octal MODE) at PATH
 *   hide=PATH             cover the mount point PATH (below a bound folder: a bind of /tmp
 *                         inside the working directory) with an empty read-only tmpfs, or
 *                         /dev/null read-only when it is not a folder
 *   proc=PATH  devpts=PATH
 * The exec-error pipe stays open (close-on-exec) in the payload until its exec: EOF means
 * the exec succeeded, otherwise the payload writes the errno in decimal and exits 255.
 *
 * No setuid, no file capabilities: it has exactly the privileges of the caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
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
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXN 64
#define MAXOPS 256
#define PROTOCOL "5" /* native.PROTOCOL: the argv plan's version */
#ifndef SOURCE_SHA256
#define SOURCE_SHA256 "" /* built by hand: no source check */
#endif
/* Where the new root is built before pivot_root (in the private mount namespace). */
#define NEWROOT "/tmp"

#define SYS_OPEN_TREE 428
#define SYS_MOVE_MOUNT 429
#define SYS_CLOSE_RANGE 436
#define SYS_OPENAT2 437
#define RESOLVE_NO_SYMLINKS_ 0x04
#define SYS_MOUNT_SETATTR 442
#define SYS_LANDLOCK_CREATE_RULESET 444
#define SYS_LANDLOCK_ADD_RULE 445
#define SYS_LANDLOCK_RESTRICT_SELF 446
#define OPEN_TREE_CLONE 1
#define AT_RECURSIVE_ 0x8000
#define AT_EMPTY_PATH_ 0x1000
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x4
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x1
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#endif
#ifndef PR_CAP_AMBIENT_CLEAR_ALL
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define CLONE_NEWUSER_ 0x10000000

/* Landlock (linux/landlock.h; defined here for older headers) */
#define LL_CREATE_RULESET_VERSION 1
#define LL_RULE_PATH_BENEATH 1
#define LL_EXECUTE (1ULL << 0)
#define LL_WRITE_FILE (1ULL << 1)
#define LL_READ_FILE (1ULL << 2)
#define LL_READ_DIR (1ULL << 3)
#define LL_TRUNCATE (1ULL << 14)
#define LL_IOCTL_DEV (1ULL << 15)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)

struct sbx_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};
struct ll_ruleset_attr {
    uint64_t handled_access_fs, handled_access_net, scoped;
};
struct __attribute__((packed)) ll_path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
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
    long idmap; /* root caller: payload uid/gid; -1 otherwise */
    struct list ns, req, fault, skip, cg, ucount, own, fdmap;
    const char *ops[MAXOPS];
    int nops;
    struct rl rlimits[MAXN];
    int nrl;
    struct sock_filter *bpf;
    unsigned short bpf_len;
    int landlock;
    int strict;
    const char *cwd;
    const char *ro; /* ro=N,N,...: the caller's descriptors to reopen read-only (reopen_ro) */
    int last_cap;
    char applied[1024]; /* applied pieces, comma-separated, in order */
} plan = {.info_fd = -1, .exec_fd = -1, .idmap = -1, .last_cap = 40};

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

static void say_ready(int pid) {
    char buf[sizeof plan.applied + 40];
    int n = snprintf(buf, sizeof buf, "P%d\nA%s\n", pid, plan.applied);
    if (n > 0 && plan.info_fd >= 0 && write(plan.info_fd, buf, (size_t)n) < 0) { /* gone */
    }
}

/* An error message as Python's OSError prints it, so both launchers read alike. */
static char errbuf[4400];
static int fail(const char *what) {
    int e = errno;
    snprintf(errbuf, sizeof errbuf, "[Errno %d] %s: %s", e, what, strerror(e));
    errno = e;
    return -1;
}
static int failf(const char *fmt, const char *arg) {
    char what[4200];
    int e = errno;
    snprintf(what, sizeof what, fmt, arg);
    errno = e;
    return fail(what);
}

static int applied(const char *piece) {
    char probe[64], cur[sizeof plan.applied + 2];
    snprintf(probe, sizeof probe, ",%s,", piece);
    snprintf(cur, sizeof cur, ",%s,", plan.applied);
    return strstr(cur, probe) != NULL;
}

static void mark_applied(const char *piece) {
    if (applied(piece)) return;
    size_t len = strlen(plan.applied);
    snprintf(plan.applied + len, sizeof plan.applied - len, "%s%s", len ? "," : "", piece);
}

/* Run fn for piece: report E and exit 126 when a required piece fails, S otherwise. */
static int attempt(const char *piece, int (*fn)(void)) {
    int rc;
    if (has(&plan.skip, piece)) return 0;
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

/* ---- small helpers -------------------------------------------------------------- */

static void close_range_from(unsigned int first) {
    if (syscall(SYS_CLOSE_RANGE, first, ~0U, 0) < 0) {
        struct rlimit r;
        rlim_t max = getrlimit(RLIMIT_NOFILE, &r) == 0 ? r.rlim_max : 65536;
        if (max > 1 << 20) max = 1 << 20;
        for (rlim_t fd = first; fd < max; fd++) close((int)fd);
    }
}

/* Close every descriptor except the (up to four) given ones (-1: none). */
static void close_all_but(int a, int b, int c, int d) {
    int keep[4] = {a, b, c, d};
    for (int i = 0; i < 4; i++) /* sort */
        for (int j = i + 1; j < 4; j++)
            if (keep[j] < keep[i]) {
                int t = keep[i];
                keep[i] = keep[j];
                keep[j] = t;
            }
    unsigned int last = 0;
    for (int i = 0; i < 4; i++) {
        if (keep[i] < 0 || (unsigned int)keep[i] < last) continue;
        unsigned int k = (unsigned int)keep[i];
        if (k > last && syscall(SYS_CLOSE_RANGE, last, k - 1, 0) < 0)
            for (unsigned int fd = last; fd < k; fd++) close((int)fd);
        last = k + 1;
    }
    close_range_from(last);
}

/* Still wanted?  The lifeline pipe's write end lives as long as the launcher does. */
static void check_lifeline(int fd) {
    struct pollfd pfd = {fd, 0, 0};
    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR))) _exit(137);
}

/* Every limit that can be set is set: one the kernel refuses (the caller clamps them to its
 * own hard limits, so that should not happen) does not leave the others unset. */
static int set_rlimits(void) {
    int failed = 0;
    for (int i = 0; i < plan.nrl; i++) {
        struct rlimit r = {(rlim_t)plan.rlimits[i].soft, (rlim_t)plan.rlimits[i].hard};
        if (setrlimit(plan.rlimits[i].res, &r) < 0 && !failed) {
            char what[64];
            snprintf(what, sizeof what, "setrlimit(%d)", plan.rlimits[i].res);
            fail(what);
            failed = 1;
        }
    }
    return failed ? -1 : 0;
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

static int no_new_privs(void) {
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? fail("prctl(PR_SET_NO_NEW_PRIVS)") : 0;
}

static int install_seccomp(void) {
    if (!plan.bpf) {
        errno = ENOSYS;
        return fail("seccomp: no filter for this architecture");
    }
    struct sock_fprog prog = {plan.bpf_len, plan.bpf};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
        return fail("prctl(PR_SET_SECCOMP)");
    return 0;
}

static int not_dumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ? fail("prctl(PR_SET_DUMPABLE)") : 0;
}

/* Host (or, inside the user namespace, mapped) ids: groups first, then gid, then uid. */
static int become(unsigned id) {
    if (setgroups(0, NULL) < 0) return fail("setgroups");
    if (setresgid(id, id, id) < 0) return fail("setresgid");
    if (setresuid(id, id, id) < 0) return fail("setresuid");
    return 0;
}

/* ---- the init: pid 1 ------------------------------------------------------------------ */

static int lifeline_fd = -1, ready_fd = -1;

static int init_lockdown(void) {
    if (not_dumpable() < 0 || no_new_privs() < 0 || drop_caps() < 0) return -1;
    set_rlimits(); /* a limit refused is the payload's "rlimits" to report, not the filter's */
    return has(&plan.skip, "seccomp") ? 0 : install_seccomp();
}

/* Reap whatever the kernel re-parents to pid 1, forever (SIGCHLD blocked and waited for,
 * so every exit is reaped and its rusage adds up in ours). */
static void __attribute__((noreturn)) reap_forever(void) {
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        sigwaitinfo(&chld, NULL);
    }
}

/* The rest of the init once its credentials are final: lock it down, tell the payload it is
 * ready, reap. */
static void __attribute__((noreturn)) init_finish(void) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* cleared by a credential change */
    check_lifeline(lifeline_fd);
    close_all_but(plan.info_fd, ready_fd, lifeline_fd, -1);
    int ok = attempt("protected-init", init_lockdown);
    if (write(ready_fd, ok ? "k" : "s", 1) < 0) _exit(126);
    close(ready_fd);
    close(plan.info_fd);
    reap_forever();
}

static void __attribute__((noreturn)) init_child(int go_r) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (chdir("/") < 0) _exit(126); /* pivot_root moves a cwd of "/" into the new root */
    char c;
    if (read(go_r, &c, 1) != 1) _exit(137); /* the launcher died */
    if (plan.idmap >= 0) {
        /* root caller: inside the user namespace 1 is the host's idmap+1 (without one, the
         * host id itself) */
        unsigned id = has(&plan.ns, "user") ? 1 : (unsigned)plan.idmap + 1;
        if (become(id) < 0) {
            say('E', "protected-init|%s", errbuf);
            _exit(126);
        }
    }
    lifeline_fd = go_r;
    init_finish();
}

/* ---- the payload: the filesystem view ----------------------------------------------- */

static int userns_fd = -1; /* the sandbox's user namespace (idmapped mounts, root's join) */
static pid_t init_pid;     /* the init's host pid */

static int makedirs(const char *path, mode_t mode) {
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
            if (mkdir(buf, mode) < 0 && errno != EEXIST) return failf("mkdir %s", buf);
            *p = c;
            if (!c) break;
        }
    }
    return 0;
}

static int parent_dirs(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf) return 0;
    *slash = 0;
    return makedirs(buf, 0755);
}

/* NEWROOT + dst, in buf */
static const char *in_root(char *buf, size_t size, const char *dst) {
    int n = snprintf(buf, size, "%s%s", NEWROOT, strcmp(dst, "/") == 0 ? "" : dst);
    if (n < 0 || (size_t)n >= size) buf[0] = 0; /* too long: no such path */
    return buf;
}

static int setattr(int dfd, const char *path, unsigned flags, uint64_t set, int userns) {
    struct sbx_mount_attr attr = {set, 0, 0, (uint64_t)(userns < 0 ? 0 : userns)};
    return (int)syscall(SYS_MOUNT_SETATTR, dfd, path, flags, &attr, sizeof attr);
}

/* A detached recursive copy of the mount tree at src, made read-only or idmapped.  src is a
 * resolved path (the caller resolved it): a symlink met on the way now means someone swapped
 * a directory for a link since (a payload in a writable working directory, say), and the
 * run fails closed instead of mounting whatever the link points to. */
static int clone_tree(const char *src, const char *mode) {
    struct {
        uint64_t flags, mode, resolve;
    } how = {O_PATH | O_CLOEXEC, 0, RESOLVE_NO_SYMLINKS_};
    int path = (int)syscall(SYS_OPENAT2, AT_FDCWD, src, &how, sizeof how);
    if (path < 0) return failf("openat2(RESOLVE_NO_SYMLINKS) %s", src);
    int fd = (int)syscall(SYS_OPEN_TREE, path, "",
                          OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE_ | AT_EMPTY_PATH_);
    close(path);
    if (fd < 0) return failf("open_tree %s", src);
    unsigned fl = AT_EMPTY_PATH_ | AT_RECURSIVE_;
    if ((strcmp(mode, "ro") == 0 || strcmp(mode, "roid") == 0 || strcmp(mode, "dev") == 0) &&
        setattr(fd, "", fl, MOUNT_ATTR_RDONLY, -1) < 0) {
        close(fd);
        return failf("mount_setattr(read-only) %s", src);
    }
    /* root caller: the working directory is idmapped through the sandbox's user namespace
     * (its uid 0, the payload, is root on disk there); a filesystem without idmapped mounts
     * keeps a plain bind, where the payload writes what its own uid may.  roid: the same,
     * read-only (standard's working directory unless the run asked to write it). */
    if ((strcmp(mode, "rwid") == 0 || strcmp(mode, "roid") == 0) && userns_fd >= 0)
        setattr(fd, "", fl, MOUNT_ATTR_IDMAP, userns_fd);
    return fd;
}

static int attach(int fd, const char *dst) {
    char target[4096];
    struct stat st, there;
    in_root(target, sizeof target, dst);
    if (fstat(fd, &st) < 0) return failf("fstat %s", dst);
    if (parent_dirs(target) < 0) return -1;
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(target, 0755) < 0 && errno != EEXIST) return failf("mkdir %s", target);
    } else if (lstat(target, &there) < 0) {
        /* a file mount point that is not there yet (one already there, a file of the
         * working directory kept read-only, may not be writable by a root without
         * CAP_DAC_OVERRIDE through the idmapped view: it is not opened) */
        int f = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (f < 0) return failf("create %s", target);
        close(f);
    }
    if (syscall(SYS_MOVE_MOUNT, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return failf("move_mount %s", dst);
    return 0;
}

/* "N:AB" -> a = first N bytes, b = the rest */
static int split_len(const char *v, char *a, size_t asize, const char **b) {
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end != ':' || n >= asize || strlen(end + 1) < n) {
        errno = EINVAL;
        return fail("bad plan item");
    }
    memcpy(a, end + 1, n);
    a[n] = 0;
    *b = end + 1 + n;
    return 0;
}

/* Phase 1 (before pivot_root): clone every bind source while the host tree is in view,
 * then mount the new root's tmpfs and apply the operations in order under it. */
static int op_fds[MAXOPS];
static int op_index;

static int clone_sources(void) {
    for (int i = 0; i < plan.nops; i++) {
        op_fds[i] = -1;
        const char *op = plan.ops[i];
        if (strncmp(op, "bind=", 5) != 0) continue;
        char mode[8], src[4096];
        const char *rest = op + 5, *colon = strchr(rest, ':'), *dst;
        if (!colon || (size_t)(colon - rest) >= sizeof mode) {
            errno = EINVAL;
            return fail("bad plan item");
        }
        memcpy(mode, rest, (size_t)(colon - rest));
        mode[colon - rest] = 0;
        if (split_len(colon + 1, src, sizeof src, &dst) < 0) return -1;
        if ((op_fds[i] = clone_tree(src, mode)) < 0) return -1;
    }
    return 0;
}

static int op_proc(void) {
    char path[4096];
    in_root(path, sizeof path, plan.ops[op_index] + 5);
    if (makedirs(path, 0755) < 0) return -1;
    if (mount("proc", path, "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return fail("mount /proc");
    return 0;
}

static int op_tmpfs(void) {
    /* tmpfs=SIZE:INODES:MODE:PATH */
    char opts[160], path[4200], *end;
    const char *v = plan.ops[op_index] + 6;
    unsigned long long size = strtoull(v, &end, 10);
    unsigned long long inodes = strtoull(end + 1, &end, 10);
    unsigned long mode = strtoul(end + 1, &end, 8);
    snprintf(opts, sizeof opts, "size=%llu,nr_inodes=%llu,mode=%lo", size, inodes, mode);
    in_root(path, sizeof path, end + 1);
    if (makedirs(path, 0755) < 0) return -1;
    if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
        return failf("mount tmpfs %s", end + 1);
    return 0;
}

static int op_hide(void) {
    char path[4200];
    struct stat st;
    in_root(path, sizeof path, plan.ops[op_index] + 5);
    if (lstat(path, &st) < 0) return failf("hide %s", path);
    if (S_ISDIR(st.st_mode)) {
        if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=4k,nr_inodes=1,mode=555") < 0)
            return failf("hide %s", path);
        return 0;
    }
    if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0 ||
        setattr(AT_FDCWD, path, 0, MOUNT_ATTR_RDONLY, -1) < 0)
        return failf("hide %s", path);
    return 0;
}

static int build_view(void) {
    if (clone_sources() < 0) return -1;
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return fail("mount / private");
    if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=755") <
        0)
        return fail("mount the new root");
    char path[4096], name[4096];
    const char *rest;
    for (op_index = 0; op_index < plan.nops; op_index++) {
        const char *op = plan.ops[op_index];
        if (strncmp(op, "bind=", 5) == 0) {
            if (split_len(strchr(op + 5, ':') + 1, name, sizeof name, &rest) < 0 ||
                attach(op_fds[op_index], rest) < 0)
                return -1;
            close(op_fds[op_index]);
            op_fds[op_index] = -1;
        } else if (strncmp(op, "link=", 5) == 0) {
            if (split_len(op + 5, name, sizeof name, &rest) < 0) return -1;
            in_root(path, sizeof path, name);
            if (parent_dirs(path) < 0) return -1;
            if (symlink(rest, path) < 0 && errno != EEXIST) return failf("symlink %s", name);
        } else if (strncmp(op, "proc=", 5) == 0) {
            attempt("proc", op_proc);
        } else if (strncmp(op, "tmpfs=", 6) == 0) {
            attempt("tmpfs-tmp", op_tmpfs);
        } else if (strncmp(op, "hide=", 5) == 0) {
            if (op_hide() < 0) return -1;
        } else if (strncmp(op, "devpts=", 7) == 0) {
            in_root(path, sizeof path, op + 7);
            if (makedirs(path, 0755) < 0) return -1;
            if (mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
                      "newinstance,ptmxmode=0666,mode=620,max=16") < 0)
                return fail("mount devpts");
        }
    }
    return 0;
}

static int userns_limit(void) {
    /* The files of /proc/sys/user are per user namespace: these are the sandbox's own, written
     * through the host's /proc while it is still in view.  Never without a user namespace of
     * our own: that would be the host's values. */
    if (!applied("user")) {
        errno = EPERM;
        return fail("no user namespace of its own");
    }
    /* Every counter of [userns] in rules/sandbox.toml this kernel has (the caller sends only
     * those): what the payload holds is charged up to the caller's uid on the host too. */
    char path[128], value[32];
    for (int i = 0; i < plan.ucount.n; i++) {
        const char *colon = strchr(plan.ucount.v[i], ':');
        snprintf(path, sizeof path, "/proc/sys/user/%.*s", (int)(colon - plan.ucount.v[i]),
                 plan.ucount.v[i]);
        snprintf(value, sizeof value, "%s", colon + 1);
        if (write_file(path, value) < 0) return -1;
    }
    return 0;
}

static int pivot(void) {
    if (chdir(NEWROOT) < 0) return fail("chdir new root");
    if (syscall(SYS_pivot_root, ".", ".") < 0) return fail("pivot_root");
    if (umount2(".", MNT_DETACH) < 0) return fail("umount the host's root");
    if (chdir("/") < 0) return fail("chdir /");
    return 0;
}

static int readonly_root(void) {
    if (setattr(AT_FDCWD, "/", 0, MOUNT_ATTR_RDONLY, -1) < 0)
        return fail("mount_setattr(read-only) /");
    return 0;
}

static int nothing(void) { return 0; }

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

static int payload_uid(void) {
    if (plan.idmap < 0) return 0; /* not root: the caller's own (mapped 1:1) ids */
    return become(applied("user") ? 0 : (unsigned)plan.idmap);
}

static int new_keyring(void) {
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0) {
        if (errno == ENOSYS || errno == EOPNOTSUPP) return 0; /* no keyrings: nothing to hide */
        return fail("keyctl(KEYCTL_JOIN_SESSION_KEYRING)");
    }
    return 0;
}

static const char *chdir_target;
static int do_chdir(void) { return chdir(chdir_target) < 0 ? fail(chdir_target) : 0; }

static int ll_rule(int ruleset, const char *path, uint64_t access) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : failf("landlock: open %s", path);
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
        access &= LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | LL_IOCTL_DEV;
    struct ll_path_beneath pb = {access, fd};
    long rc = syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LL_RULE_PATH_BENEATH, &pb, 0);
    close(fd);
    return rc < 0 ? failf("landlock_add_rule %s", path) : 0;
}

static int apply_landlock(void) {
    int abi = (int)syscall(SYS_LANDLOCK_CREATE_RULESET, NULL, 0, LL_CREATE_RULESET_VERSION);
    if (abi <= 0) return fail("landlock_create_ruleset");
    uint64_t fs = (1ULL << 13) - 1; /* ABI 1 */
    if (abi >= 2) fs |= 1ULL << 13; /* REFER */
    if (abi >= 3) fs |= LL_TRUNCATE;
    if (abi >= 5) fs |= LL_IOCTL_DEV;
    struct ll_ruleset_attr attr = {fs, 0, abi >= 6 ? LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL : 0};
    int rs = (int)syscall(SYS_LANDLOCK_CREATE_RULESET, &attr, sizeof attr, 0);
    if (rs < 0) return fail("landlock_create_ruleset");
    /* everything in view may be read and executed; written only where the view is writable */
    int rc = ll_rule(rs, "/", LL_READ_FILE | LL_READ_DIR | LL_EXECUTE);
    for (int i = 0; rc == 0 && i < plan.nops; i++) {
        const char *op = plan.ops[i], *dst = NULL;
        char src[4096];
        uint64_t access = fs;
        if (strncmp(op, "bind=rw", 7) == 0) {
            if (split_len(strchr(op + 5, ':') + 1, src, sizeof src, &dst) < 0) rc = -1;
        } else if (strncmp(op, "bind=dev", 8) == 0) {
            if (split_len(strchr(op + 5, ':') + 1, src, sizeof src, &dst) < 0) rc = -1;
            access = LL_READ_FILE | LL_WRITE_FILE | LL_TRUNCATE | (fs & LL_IOCTL_DEV);
        } else if (strncmp(op, "tmpfs=", 6) == 0) {
            dst = strchr(strchr(strchr(op, ':') + 1, ':') + 1, ':') + 1;
        } else if (strncmp(op, "devpts=", 7) == 0) {
            dst = op + 7;
            access = LL_READ_FILE | LL_WRITE_FILE | LL_READ_DIR | (fs & LL_IOCTL_DEV);
        }
        if (dst && rc == 0) rc = ll_rule(rs, dst, access);
    }
    /* The payload's own stdin, stdout and stderr stay reopenable (/dev/stdout ...) when they
     * are a file or a terminal outside the view, with the access the descriptor has. */
    for (int fd = 0; rc == 0 && fd < 3; fd++) {
        struct stat st;
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
            continue;
        uint64_t access = 0;
        if ((fl & O_ACCMODE) != O_WRONLY) access |= LL_READ_FILE;
        if ((fl & O_ACCMODE) != O_RDONLY) access |= LL_WRITE_FILE | (fs & LL_TRUNCATE);
        if (S_ISCHR(st.st_mode)) access |= fs & LL_IOCTL_DEV;
        char self[32];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
        rc = ll_rule(rs, self, access);
    }
    if (rc == 0 && syscall(SYS_LANDLOCK_RESTRICT_SELF, rs, 0) < 0)
        rc = fail("landlock_restrict_self");
    close(rs);
    return rc;
}

static void exec_payload(const char *file, char **argv) {
    int err = ENOENT, saved = 0;
    if (strchr(file, '/')) {
        execv(file, argv);
        err = errno;
    } else {
        const char *path = getenv("PATH");
        if (!path) path = "/bin:/usr/bin"; /* os.defpath */
        char buf[4096];
        const char *p = path;
        for (;;) {
            const char *colon = strchr(p, ':');
            size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
            if (dlen == 0) dlen = 1, p = "."; /* empty entry: current directory */
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

static int ns_fds[6] = {-1, -1, -1, -1, -1, -1}; /* user pid mnt ipc uts net */
static const struct {
    const char *name, *file;
    int flag;
} NSS[6] = {{"user", "user", CLONE_NEWUSER_}, {"pid", "pid", CLONE_NEWPID},
            {"mount", "mnt", CLONE_NEWNS},    {"ipc", "ipc", CLONE_NEWIPC},
            {"uts", "uts", CLONE_NEWUTS},     {"net", "net", CLONE_NEWNET}};

static int join_index;
static int join_one(void) {
    return setns(ns_fds[join_index], NSS[join_index].flag) < 0 ? fail("setns") : 0;
}

/* An unprivileged caller's payload has the caller's uid: it owns the caller's files, and
 * could fchmod (set-user-ID bits included), fchown, touch or setxattr a file or terminal it
 * was given, also by path through /proc/self/fd/N.  Landlock has no right for these.  So each
 * descriptor of ro= that is a regular file open read-only, or a device the caller owns (its
 * terminal: a device's reads and writes do not need a writable mount), is reopened here, in
 * the sandbox's mount namespace, through a clone of its mount made read-only: the same file,
 * access mode, status flags and offset, and every metadata change fails with EROFS.  The
 * mount is reached by the file's path (open_tree refuses a descriptor of the caller's mount
 * namespace), checked to be the same inode; a file with no name left (unlinked, a memfd) has
 * no metadata anyone else sees and is left as it is.  A writable regular file cannot be
 * reopened so (a read-only mount refuses its writes): the caller sets its mode, group and
 * xattrs back after the run (metaguard.py; docs/sandbox.md, Known limits).  Any failure
 * fails the run (E stdio): the payload never gets such a descriptor unprotected. */
static int reopen_one(int fd) {
    char self[32], path[4096], what[64];
    struct stat st, there;
    int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
    if (fl < 0 || fdfl < 0 || fstat(fd, &st) < 0) return 0; /* not open: nothing to give */
    int reg = S_ISREG(st.st_mode);
    if (reg ? (fl & O_ACCMODE) != O_RDONLY
            : !((S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) && st.st_uid == plan.uid))
        return 0;
    if (st.st_nlink == 0) return 0;
    snprintf(what, sizeof what, "descriptor %d", fd);
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(self, path, sizeof path - 1);
    if (n < 0) return failf("%s: readlink", what);
    if ((size_t)n >= sizeof path - 1) {
        errno = ENAMETOOLONG;
        return failf("%s: readlink", what);
    }
    path[n] = 0;
    if (path[0] != '/') {
        errno = ENOENT;
        return failf("%s: no path to reopen it read-only", what);
    }
    struct {
        uint64_t flags, mode, resolve;
    } how = {O_PATH | O_CLOEXEC | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS_};
    int pf = (int)syscall(SYS_OPENAT2, AT_FDCWD, path, &how, sizeof how);
    if (pf < 0) return failf("reopening %s read-only: open", path);
    int tree = (int)syscall(SYS_OPEN_TREE, pf, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH_);
    close(pf);
    if (tree < 0) return failf("reopening %s read-only: open_tree", path);
    if (setattr(tree, "", AT_EMPTY_PATH_, MOUNT_ATTR_RDONLY, -1) < 0) {
        close(tree);
        return failf("reopening %s read-only: mount_setattr", path);
    }
    if (fstat(tree, &there) < 0 || there.st_dev != st.st_dev || there.st_ino != st.st_ino) {
        close(tree);
        errno = ESTALE;
        return failf("reopening %s read-only: another file is at its path now", path);
    }
    snprintf(self, sizeof self, "/proc/self/fd/%d", tree);
    int keep = O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | O_NOATIME;
    /* an O_PATH descriptor stays one: it gives no read access */
    int nfd = open(self, (fl & O_PATH) ? O_PATH | O_CLOEXEC : (fl & keep) | O_NOCTTY | O_CLOEXEC);
    close(tree);
    if (nfd < 0) return failf("reopening %s read-only: open", path);
    if (reg && !(fl & O_PATH)) {
        off_t off = lseek(fd, 0, SEEK_CUR);
        if (off > 0 && lseek(nfd, off, SEEK_SET) < 0) {
            close(nfd);
            return failf("reopening %s read-only: lseek", path);
        }
    }
    if (dup3(nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0) {
        close(nfd);
        return failf("reopening %s read-only: dup3", path);
    }
    close(nfd);
    return 0;
}

static int reopen_ro(void) {
    const char *p = plan.ro;
    while (p && *p) {
        char *end;
        long fd = strtol(p, &end, 10);
        if (end == p || fd < 0 || fd > 1 << 20 || (*end && *end != ',')) {
            errno = EINVAL;
            return fail("bad plan item ro");
        }
        if (reopen_one((int)fd) < 0) return -1;
        p = *end ? end + 1 : end;
    }
    return 0;
}

static void __attribute__((noreturn)) payload(int go_r, int ready_r, const char *file, char **argv) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* A process group of its own: a signal sent to the launcher's group (killpg(Popen.pid))
     * reaches the payload once, forwarded by the launcher, not a second time directly. */
    setpgid(0, 0);
    check_lifeline(go_r);
    for (join_index = 2; join_index < 6; join_index++) /* mnt ipc uts net */
        if (ns_fds[join_index] >= 0 && applied(NSS[join_index].name))
            attempt(NSS[join_index].name, join_one);
    /* Before the view: the caller's files are reached by their host paths.  Without a mount
     * namespace (a degraded run) the payload has the host's whole filesystem anyway. */
    if (plan.ro && applied("mount") && reopen_ro() < 0) {
        say('E', "stdio|%s", errbuf);
        _exit(126);
    }
    int view = applied("mount") && plan.nops > 0;
    if (view) {
        attempt("allowlist-root", build_view);
        view = applied("allowlist-root");
    }
    if (view) attempt("hidden-home", nothing); /* no home in the allow-list, nor in the
                                                 * interpreter's folders (view.python_ops) */
    /* A root caller builds the view as root (it reads what root may), then joins the user
     * namespace, where it is the mapped id's root. */
    if (plan.idmap >= 0 && applied("user") && setns(userns_fd, CLONE_NEWUSER_) < 0) {
        fail("setns(user)");
        say('E', "user|%s", errbuf);
        _exit(126);
    }
    if (applied("user")) attempt("userns-limit", userns_limit);
    if (view && attempt("allowlist-root", pivot))
        attempt(plan.strict ? "readonly-root" : "readonly-sys", readonly_root);
    if (applied("net")) attempt("lo", loopback_up);
    if (applied("uts")) attempt("hostname", set_hostname);
    attempt("uid", payload_uid);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* cleared by the credential change */
    check_lifeline(go_r);
    close(go_r);
    attempt("keyring", new_keyring);
    attempt("nocaps", drop_caps);
    attempt("nnp", no_new_privs);
    chdir_target = plan.cwd;
    if (!chdir_target && applied("tmpfs-tmp")) chdir_target = "/tmp";
    if (chdir_target) attempt("cwd", do_chdir);
    if (plan.landlock) attempt("landlock", apply_landlock);
    attempt("seccomp", install_seccomp);
    attempt("rlimits", set_rlimits);
    /* The init locked itself down meanwhile (this init is a clone of the launcher, it execs
     * nothing: no need to wait for it before the old root goes). */
    char c;
    if (read(ready_r, &c, 1) != 1) _exit(126); /* the init failed and said why */
    close(ready_r);
    if (c == 'k') mark_applied("protected-init");
    /* The pid to kill (the init, or this process without a pid namespace) and "ready" in
     * one write: the caller wakes once, when the payload starts. */
    say_ready(applied("pid") ? (int)init_pid : (int)getpid());
    close(plan.info_fd);
    exec_payload(file, argv);
    _exit(255);
}

/* ---- the launcher itself ----------------------------------------------------------- */

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

/* A root caller's payload runs as another uid: the anonymous pipes of its stdin, stdout and
 * stderr that the sandbox made (own=: the caller's captures, the relays of its own pipes,
 * see relay.py) become that uid's, so that the payload can reopen them as /dev/stdout,
 * /dev/stderr or /proc/self/fd/N as a process that is not in a sandbox can.  Never a pipe
 * of the caller's (the sandbox relays those), nor a file or a terminal: they keep their
 * owner (and the payload may not reopen them, as with a container's non-root user). */
#define PIPEFS_MAGIC_ 0x50495045
static void give_stdio_pipes(void) {
    for (int fd = 0; fd < 3; fd++) {
        char n[2] = {(char)('0' + fd), 0};
        struct statfs sfs;
        if (has(&plan.own, n) && fstatfs(fd, &sfs) == 0 && sfs.f_type == PIPEFS_MAGIC_ &&
            fchown(fd, (uid_t)plan.idmap, (gid_t)plan.idmap) < 0) { /* best effort */
        }
    }
}

/* A relay's fresh pipe end takes the number of the caller's pipe it stands for in pass_fds
 * (fd=SRC:DST; the caller's own is never passed): first thing, before any other descriptor
 * is opened. */
static void map_fds(void) {
    for (int i = 0; i < plan.fdmap.n; i++) {
        int src = -1, dst = -1;
        if (sscanf(plan.fdmap.v[i], "%d:%d", &src, &dst) != 2 || src < 0 || dst < 0 ||
            dup2(src, dst) < 0) {
            say('E', "setup|bad descriptor map %s", plan.fdmap.v[i]);
            _exit(126);
        }
        if (src != dst) close(src);
    }
}

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

static int ns_flags_wanted(void) {
    int flags = 0;
    for (int i = 0; i < 6; i++)
        if (has(&plan.ns, NSS[i].name)) flags |= NSS[i].flag;
    return flags;
}

static pid_t clone_with(int flags) {
    return (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, 0);
}

static int probe_flags;
static int probe_ns(void) {
    /* Can this namespace be created (with a user namespace when one is wanted)? */
    pid_t p = clone_with(probe_flags);
    if (p < 0) return fail("clone");
    if (p == 0) _exit(0);
    waitpid(p, NULL, 0);
    return 0;
}

/* Clone the init with every wanted namespace.  A namespace under fault injection, or one the
 * kernel refuses, is reported (E when required: the launcher exits) and left out. */
static pid_t clone_init(void) {
    int flags = ns_flags_wanted();
    for (int i = 0; i < 6; i++)
        if ((flags & NSS[i].flag) && has(&plan.fault, NSS[i].name) &&
            !attempt(NSS[i].name, probe_ns))
            flags &= ~NSS[i].flag;
    for (;;) {
        pid_t pid = clone_with(flags);
        if (pid >= 0) {
            for (int i = 0; i < 6; i++)
                if (flags & NSS[i].flag) mark_applied(NSS[i].name);
            return pid;
        }
        int e = errno, dropped = 0;
        for (int i = 0; i < 6 && !dropped; i++) {
            if (!(flags & NSS[i].flag)) continue;
            probe_flags = NSS[i].flag | (i ? flags & CLONE_NEWUSER_ : 0);
            if (!attempt(NSS[i].name, probe_ns)) {
                flags &= ~NSS[i].flag;
                if (i == 0) flags = 0; /* without a user namespace no other is possible */
                dropped = 1;
            }
        }
        if (!dropped) {
            errno = e;
            fail("clone");
            say('E', "setup|%s", errbuf);
            _exit(126);
        }
    }
}

/* A failed start: the init goes, reaped here (a launcher that left it to the kernel would
 * leave it to a caller that is a child subreaper, or pid 1, to reap). */
static void __attribute__((noreturn)) end_init_and_exit(void) {
    kill(init_pid, SIGKILL);
    while (waitpid(init_pid, NULL, 0) < 0 && errno == EINTR) {
    }
    _exit(126);
}

static int write_maps(pid_t init) {
    char path[64], map[128];
    if (plan.idmap >= 0) { /* root: 0 -> payload's id, 1 -> the init's */
        snprintf(map, sizeof map, "0 %ld 2\n", plan.idmap);
        snprintf(path, sizeof path, "/proc/%d/uid_map", (int)init);
        if (write_file(path, map) < 0) return -1;
        snprintf(path, sizeof path, "/proc/%d/gid_map", (int)init);
        return write_file(path, map);
    }
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)init);
    if (write_file(path, "deny") < 0) return -1;
    snprintf(map, sizeof map, "%u %u 1\n", plan.uid, plan.uid);
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)init);
    if (write_file(path, map) < 0) return -1;
    snprintf(map, sizeof map, "%u %u 1\n", plan.gid, plan.gid);
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)init);
    return write_file(path, map);
}

static int maps(void) { return write_maps(init_pid); }

/* Signals the launcher forwards to the payload: every one it can catch (glibc leaves its own
 * internal ones out of a full set).  Blocked from the payload's fork on and taken in
 * intermediate(): a launcher that died of one would leave its children to the host's init
 * (or the nearest child subreaper) to reap, late, and the payload no chance to handle it. */
static void forwarded_signals(sigset_t *set) {
    sigfillset(set);
    sigdelset(set, SIGKILL);
    sigdelset(set, SIGSTOP);
}

/* The launcher outlives its children: it exits (relaying the payload's status) only once the
 * payload and the init are reaped, so that a killed run leaves nothing behind for anyone else
 * to reap.  The caller kills a run by killing the init (the kernel then kills every process
 * of the pid namespace, the payload included), not the launcher.  A signal sent to the
 * launcher meanwhile is the payload's: forwarded to it, as subprocess delivers
 * send_signal() to its child (to that process, not its group). */
static void __attribute__((noreturn)) intermediate(pid_t payload_pid, int lifeline) {
    int status = 0, istatus, init_reaped = 0;
    struct rusage ru, iru, any;
    sigset_t wake;
    siginfo_t si;
    close_all_but(plan.info_fd, lifeline, -1, -1);
    forwarded_signals(&wake); /* SIGCHLD included; blocked since the fork: pending until taken */
    memset(&ru, 0, sizeof ru);
    memset(&iru, 0, sizeof iru);
    /* Any child is reaped, not only the payload and the init: a payload's clone(CLONE_PARENT)
     * (refused by the filter, but a filter is not the only guard) makes a child of this
     * process, in the sandbox's pid namespace, which the init's exit waits for until it is
     * reaped: waiting for the init alone would wait forever. */
    for (;;) {
        pid_t r = wait4(-1, &status, WNOHANG, &any);
        if (r == payload_pid) {
            ru = any;
            break;
        }
        if (r == init_pid) {
            init_reaped = 1;
            istatus = status;
            iru = any;
            continue;
        }
        if (r > 0) continue;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) _exit(255);
        /* not reaped yet (only this thread reaps): its pid is still its own to signal */
        memset(&si, 0, sizeof si);
        int sig = sigwaitinfo(&wake, &si);
        if (sig <= 0) continue;
        if (sig == SIGCHLD && si.si_code > 0) continue; /* a child of ours changed state */
        kill(payload_pid, sig); /* sent by a process (SIGCHLD too, when kill(2) sent it) */
    }
    /* The payload is gone: so goes the pid namespace, with whatever is left in it. */
    if (!init_reaped) kill(init_pid, SIGKILL);
    while (!init_reaped) {
        pid_t r = wait4(-1, &istatus, 0, &any);
        if (r == init_pid) {
            iru = any;
            break;
        }
        if (r < 0 && errno != EINTR) break;
    }
    (void)istatus;
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + iru.ru_utime.tv_sec +
                          iru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec + iru.ru_utime.tv_usec +
                          iru.ru_stime.tv_usec) /
                     1e6;
    say('R', "%.6f %ld", cpu, ru.ru_maxrss > iru.ru_maxrss ? ru.ru_maxrss : iru.ru_maxrss);
    die_like(status);
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

static int parse_bpf(const char *hex) {
    size_t n = strlen(hex);
    if (n == 0 || n % 16 || n / 16 > 4096) return -1;
    unsigned char *buf = malloc(n / 2);
    if (!buf) return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) return -1;
        buf[i] = (unsigned char)v;
    }
    plan.bpf = (struct sock_filter *)buf;
    plan.bpf_len = (unsigned short)(n / 16);
    return 0;
}

static const char *stale, *stale_src;
static long init_id = -1;

/* ucount=NAME:VALUE: NAME is max_[a-z_]+ (a file of /proc/sys/user), VALUE decimal digits. */
static int valid_ucount(const char *v) {
    const char *colon = strchr(v, ':');
    if (!colon || colon - v > 64 || strncmp(v, "max_", 4) != 0) return -1;
    for (const char *c = v + 4; c < colon; c++)
        if (!((*c >= 'a' && *c <= 'z') || *c == '_')) return -1;
    if (!colon[1] || strlen(colon + 1) > 10) return -1;
    for (const char *c = colon + 1; *c; c++)
        if (*c < '0' || *c > '9') return -1;
    return 0;
}

static int parse_plan(int argc, char **argv, int first) {
    int i;
    for (i = first; i < argc; i++) {
        char *a = argv[i];
        if (strcmp(a, "--") == 0) return i + 1;
        char *eq = strchr(a, '=');
        if (!eq) return -1;
        if (!strncmp(a, "bind=", 5) || !strncmp(a, "link=", 5) || !strncmp(a, "tmpfs=", 6) ||
            !strncmp(a, "proc=", 5) || !strncmp(a, "devpts=", 7) || !strncmp(a, "hide=", 5)) {
            if (plan.nops >= MAXOPS) return -1;
            plan.ops[plan.nops++] = a;
            continue;
        }
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
        else if (!strcmp(a, "idmap")) plan.idmap = strtol(v, NULL, 10);
        else if (!strcmp(a, "ns")) add(&plan.ns, v);
        else if (!strcmp(a, "req")) add(&plan.req, v);
        else if (!strcmp(a, "fault")) add(&plan.fault, v);
        else if (!strcmp(a, "skip")) add(&plan.skip, v);
        else if (!strcmp(a, "cg")) add(&plan.cg, v);
        else if (!strcmp(a, "ucount")) {
            if (valid_ucount(v) < 0) return -1;
            add(&plan.ucount, v);
        }
        else if (!strcmp(a, "cwd")) plan.cwd = v;
        else if (!strcmp(a, "own")) add(&plan.own, v);
        else if (!strcmp(a, "ro")) plan.ro = v;
        else if (!strcmp(a, "fd")) add(&plan.fdmap, v);
        else if (!strcmp(a, "lastcap")) plan.last_cap = atoi(v);
        else if (!strcmp(a, "landlock")) plan.landlock = atoi(v);
        else if (!strcmp(a, "profile")) plan.strict = strcmp(v, "strict") == 0;
        else if (!strcmp(a, "ready")) ready_fd = atoi(v);
        else if (!strcmp(a, "lifeline")) lifeline_fd = atoi(v);
        else if (!strcmp(a, "initid")) init_id = strtol(v, NULL, 10);
        else if (!strcmp(a, "bpf")) {
            if (parse_bpf(v) < 0) return -1;
        } else if (!strcmp(a, "rl")) {
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
    return argc;
}

/* The init of the Python launcher's preexec_fn path: that launcher's init, a fork of the
 * calling interpreter, execs this at once (its credentials already final), so that pid 1 is
 * never a copy of the caller's memory.  argv: --init info=FD ready=FD lifeline=FD rl=...
 * bpf=... lastcap=N [initid=N] */
static int init_main(int argc, char **argv) {
    if (parse_plan(argc, argv, 2) < 0 || ready_fd < 0 || lifeline_fd < 0) {
        fprintf(stderr, "auditor-sandbox-launcher: bad --init arguments\n");
        return 126;
    }
    /* it has CAP_SETPCAP ambient (to empty its bounding set); a root caller's init starts
     * as the caller (to read this program) with CAP_SETUID and CAP_SETGID too, and becomes
     * its own uid here; init_finish drops them all */
    if (init_id >= 0 && become((unsigned)init_id) < 0) {
        say('E', "protected-init|%s", errbuf);
        _exit(126);
    }
    init_finish();
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--init") == 0) return init_main(argc, argv);
    int first = parse_plan(argc, argv, 1);
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
    map_fds();

    /* Default dispositions and an empty signal mask, like the Python launcher's reset. */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    fcntl(plan.exec_fd, F_SETFD, FD_CLOEXEC);

    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != plan.parent_pid) _exit(137);
    if (plan.cg.n) attempt("cgroup", join_cgroup);
    if (plan.idmap >= 0) give_stdio_pipes();

    /* go: the launcher tells the init its ids are mapped; it stays open (never written
     * again) as the lifeline of the init and the payload.  ready: the init is locked down. */
    int go[2], ready[2];
    if (pipe2(go, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
        fail("pipe");
        say('E', "setup|%s", errbuf);
        _exit(126);
    }
    init_pid = clone_init();
    if (init_pid == 0) {
        close(go[1]);
        close(ready[0]);
        ready_fd = ready[1];
        init_child(go[0]);
    }
    close(ready[1]);
    if (init_pid < 0) _exit(126);
    char path[64];
    for (int i = 0; i < 6; i++) {
        if (!applied(NSS[i].name)) continue;
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)init_pid, NSS[i].file);
        if ((ns_fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            fail(path);
            say('E', "%s|%s", NSS[i].name, errbuf);
            end_init_and_exit();
        }
    }
    userns_fd = ns_fds[0];
    if (applied("user") && !attempt("user", maps)) { /* degraded: no usable user namespace */
        say('E', "user|%s", "the id maps could not be written");
        end_init_and_exit();
    }
    /* Not root: join the user namespace (needed to join the others); root joins it in the
     * payload, once the view is built. */
    if (applied("user") && plan.idmap < 0 && setns(ns_fds[0], CLONE_NEWUSER_) < 0) {
        fail("setns(user)");
        say('E', "user|%s", errbuf);
        end_init_and_exit();
    }
    if (applied("pid") && setns(ns_fds[1], CLONE_NEWPID) < 0) {
        fail("setns(pid)");
        say('E', "pid|%s", errbuf);
        end_init_and_exit();
    }
    pid_t pid = fork();
    if (pid < 0) {
        fail("fork");
        say('E', "setup|%s", errbuf);
        end_init_and_exit();
    }
    if (pid == 0) payload(go[0], ready[0], file, payload_argv);
    /* From here the launcher ends only through intermediate() (see there).  Blocked before
     * "go": the payload says A, and the caller may signal us, only after it. */
    sigset_t block;
    forwarded_signals(&block);
    sigprocmask(SIG_BLOCK, &block, NULL);
    /* The children's pids, then "go": the init is ready only after it, the payload says A
     * only once the init is, so the caller has Q when it reads A. */
    say('Q', "%d %d", (int)pid, (int)init_pid);
    if (write(go[1], "g", 1) != 1) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        end_init_and_exit();
    }
    intermediate(pid, go[1]);
}
