/*
 * test_objstore.c: unit tests of src/sink/objstore.c: the public checks (bucket names, keys) and the
 * local store: put from parts, overwrite, head/get/delete, nested directories, sorted listing with
 * prefixes, temporary files never listed and never left behind, the file/directory name conflict,
 * concurrent puts of one key (a reader sees one whole version), and a full disk (a 64 KiB tmpfs in a
 * private mount namespace, in a child process) ending in WEIR_ELIMIT with no temporary file left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sink/objstore.h"

typedef struct Fix {
    char dir[64];
    ObjStore *s;
} Fix;

static int rm_rf(const char *path)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    return system(cmd);
}

static int setup(void **state)
{
    Fix *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/weir-objstore-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    /* a warehouse below the temp dir that does not exist yet: open creates it */
    strncat(f->dir, "/wh/x", sizeof(f->dir) - strlen(f->dir) - 1);
    Err e;
    err_clear(&e);
    if (objstore_open_local(f->dir, &f->s, &e) != WEIR_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fix *f = *state;
    objstore_close(&f->s);
    assert_null(f->s);
    f->dir[strlen(f->dir) - 5] = '\0';
    rm_rf(f->dir);
    free(f);
    return 0;
}

static void put_str(ObjStore *s, const char *bucket, const char *key, const char *v)
{
    Err e;
    err_clear(&e);
    Slice part = slice_from_cstr(v);
    assert_int_equal(objstore_put(s, bucket, key, &part, 1, &e), WEIR_OK);
}

static void expect_get(ObjStore *s, const char *bucket, const char *key, const char *want)
{
    Buf b;
    Err e;
    err_clear(&e);
    buf_init(&b, 1 << 20);
    assert_int_equal(objstore_get(s, bucket, key, &b, &e), WEIR_OK);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.p, want, b.len);
    buf_fini(&b);
}

/* The keys of a listing joined with ',' */
static void expect_list(ObjStore *s, const char *bucket, const char *prefix, const char *want)
{
    Buf keys, joined;
    Err e;
    size_t n = 99;
    err_clear(&e);
    buf_init(&keys, 1 << 20);
    buf_init(&joined, 1 << 20);
    assert_int_equal(objstore_list(s, bucket, prefix, &keys, &n, &e), WEIR_OK);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(off < keys.len);
        assert_int_equal(buf_printf(&joined, "%s%s", i ? "," : "", (char *)keys.p + off), WEIR_OK);
        off += strlen((char *)keys.p + off) + 1;
    }
    assert_int_equal(off, keys.len);
    assert_string_equal(joined.p ? (char *)joined.p : "", want);
    buf_fini(&keys);
    buf_fini(&joined);
}

/* Number of entries in a directory whose name contains ".tmp-". */
static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    if (!d)
        return 0;
    while ((de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".tmp-"))
            n++;
    closedir(d);
    return n;
}

static void test_put_get_head_delete(void **state)
{
    Fix *f = *state;
    Err e;
    err_clear(&e);
    Slice parts[] = {SLICE_LIT("hello, "), SLICE_LIT(""), SLICE_LIT("world")};
    assert_int_equal(objstore_put(f->s, "b1", "2024/05/01/00/obj-1.json", parts, 3, &e), WEIR_OK);
    expect_get(f->s, "b1", "2024/05/01/00/obj-1.json", "hello, world");
    uint64_t size = 0;
    assert_int_equal(objstore_head(f->s, "b1", "2024/05/01/00/obj-1.json", &size, &e), WEIR_OK);
    assert_int_equal(size, 12);
    /* the file is where the header says: DIR/bucket/key */
    char path[256], dir[200];
    assert_non_null(objstore_local_dir(f->s, "b1", dir, sizeof(dir)));
    snprintf(path, sizeof(path), "%s/2024/05/01/00/obj-1.json", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 12);
    /* overwrite, then an empty object */
    put_str(f->s, "b1", "2024/05/01/00/obj-1.json", "v2");
    expect_get(f->s, "b1", "2024/05/01/00/obj-1.json", "v2");
    assert_int_equal(objstore_put(f->s, "b1", "empty", NULL, 0, &e), WEIR_OK);
    assert_int_equal(objstore_head(f->s, "b1", "empty", &size, &e), WEIR_OK);
    assert_int_equal(size, 0);
    expect_get(f->s, "b1", "empty", "");
    /* get appends */
    Buf b;
    buf_init(&b, 1024);
    assert_int_equal(buf_append_cstr(&b, "pre:"), WEIR_OK);
    assert_int_equal(objstore_get(f->s, "b1", "2024/05/01/00/obj-1.json", &b, &e), WEIR_OK);
    assert_string_equal((char *)b.p, "pre:v2");
    /* a buffer too small: ELIMIT, and the buffer as it was */
    Buf small;
    buf_init(&small, 1);
    put_str(f->s, "b1", "big", "0123456789");
    assert_int_equal(objstore_get(f->s, "b1", "big", &small, &e), WEIR_ELIMIT);
    assert_int_equal(small.len, 0);
    buf_fini(&small);
    err_clear(&e);
    /* missing objects */
    assert_int_equal(objstore_head(f->s, "b1", "nope", &size, &e), WEIR_ENOTFOUND);
    assert_non_null(strstr(e.msg, "b1/nope"));
    err_clear(&e);
    assert_int_equal(objstore_get(f->s, "b1", "nope/deeper", &b, &e), WEIR_ENOTFOUND);
    err_clear(&e);
    assert_int_equal(objstore_head(f->s, "b1", "2024/05", &size, &e), WEIR_ENOTFOUND); /* a directory */
    err_clear(&e);
    assert_int_equal(objstore_head(f->s, "other-bucket", "x", &size, &e), WEIR_ENOTFOUND);
    err_clear(&e);
    /* delete, twice */
    assert_int_equal(objstore_delete(f->s, "b1", "2024/05/01/00/obj-1.json", &e), WEIR_OK);
    assert_int_equal(objstore_delete(f->s, "b1", "2024/05/01/00/obj-1.json", &e), WEIR_OK);
    assert_int_equal(objstore_delete(f->s, "b1", "never/was", &e), WEIR_OK);
    assert_int_equal(objstore_delete(f->s, "b1", "2024/05", &e), WEIR_OK); /* a directory: not an object */
    assert_int_equal(objstore_head(f->s, "b1", "2024/05/01/00/obj-1.json", &size, &e), WEIR_ENOTFOUND);
    buf_fini(&b);
    snprintf(path, sizeof(path), "%s/2024/05/01/00", dir);
    assert_int_equal(count_tmp(path), 0);
    assert_int_equal(count_tmp(dir), 0);
}

static void test_list(void **state)
{
    Fix *f = *state;
    const char *keys[] = {"b/2", "a", "b/1", "b/10/x", "b1", "c/d/e/f", "b/1x", "\xc3\xa9t\xc3\xa9", "B"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        put_str(f->s, "bk", keys[i], keys[i]);
    /* byte order, as S3 lists (UTF-8 after ASCII, upper case before lower) */
    expect_list(f->s, "bk", "", "B,a,b/1,b/10/x,b/1x,b/2,b1,c/d/e/f,\xc3\xa9t\xc3\xa9");
    expect_list(f->s, "bk", NULL, "B,a,b/1,b/10/x,b/1x,b/2,b1,c/d/e/f,\xc3\xa9t\xc3\xa9");
    expect_list(f->s, "bk", "b", "b/1,b/10/x,b/1x,b/2,b1");
    expect_list(f->s, "bk", "b/", "b/1,b/10/x,b/1x,b/2");
    expect_list(f->s, "bk", "b/1", "b/1,b/10/x,b/1x");
    expect_list(f->s, "bk", "b/10/", "b/10/x");
    expect_list(f->s, "bk", "c/d/", "c/d/e/f");
    expect_list(f->s, "bk", "c/d/e/f", "c/d/e/f");
    expect_list(f->s, "bk", "c/d/e/f/", "");
    expect_list(f->s, "bk", "zz/", "");
    expect_list(f->s, "bk", "../bk/", ""); /* never leaves the bucket */
    expect_list(f->s, "no-such-bucket", "", "");
    /* a crashed put's temporary file (and a temp-named directory entry) is never listed */
    char dir[200], path[300];
    assert_non_null(objstore_local_dir(f->s, "bk", dir, sizeof(dir)));
    snprintf(path, sizeof(path), "%s/b/.3.tmp-0123456789ab", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("partial", fp);
    fclose(fp);
    expect_list(f->s, "bk", "b/", "b/1,b/10/x,b/1x,b/2");
    /* listing appends after what the buffer held */
    Buf kb;
    Err e;
    size_t n = 0;
    err_clear(&e);
    buf_init(&kb, 1 << 16);
    assert_int_equal(buf_append(&kb, "zz\0", 3), WEIR_OK);
    assert_int_equal(objstore_list(f->s, "bk", "c/", &kb, &n, &e), WEIR_OK);
    assert_int_equal(n, 1);
    assert_memory_equal(kb.p, "zz\0c/d/e/f\0", 11);
    buf_fini(&kb);
}

static void test_keys_and_buckets_checked(void **state)
{
    Fix *f = *state;
    Err e;
    Slice part = SLICE_LIT("x");
    char long_key[1100];
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    const char *bad_keys[] = {"",        "/abs",        "a/../b",           "..",          ".",    "a/./b", "a//b",
                              "a/",      "x/\xff\xfe", ".obj.tmp-0123456789ab", long_key};
    for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
        err_clear(&e);
        assert_int_equal(objstore_put(f->s, "b", bad_keys[i], &part, 1, &e), WEIR_EINVAL);
        assert_true(e.msg[0] != '\0');
        err_clear(&e);
        assert_int_equal(objstore_delete(f->s, "b", bad_keys[i], &e), WEIR_EINVAL);
    }
    err_clear(&e);
    assert_int_equal(objstore_put(f->s, "b", "../escape", &part, 1, &e), WEIR_EINVAL);
    assert_non_null(strstr(e.msg, "'..'"));
    /* exactly 1024 bytes is fine as a key (the filesystem's own NAME_MAX still applies per segment) */
    char ok_key[1025];
    for (size_t i = 0; i < 1024; i++)
        ok_key[i] = (i % 100 == 99) ? '/' : 'k';
    ok_key[1024] = '\0';
    err_clear(&e);
    assert_int_equal(objstore_put(f->s, "b", ok_key, &part, 1, &e), WEIR_OK);
    /* a '.' inside a name is fine, and "..." is a name */
    err_clear(&e);
    assert_int_equal(objstore_put(f->s, "b", ".hidden/.../a.b", &part, 1, &e), WEIR_OK);
    const char *bad_buckets[] = {"", ".", "..", "a/b", "sp ace", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad_buckets) / sizeof(bad_buckets[0]); i++) {
        err_clear(&e);
        assert_int_equal(objstore_put(f->s, bad_buckets[i], "k", &part, 1, &e), WEIR_EINVAL);
        Buf kb;
        size_t n;
        buf_init(&kb, 1024);
        err_clear(&e);
        assert_int_equal(objstore_list(f->s, bad_buckets[i], "", &kb, &n, &e), WEIR_EINVAL);
        buf_fini(&kb);
    }
    char dir[16];
    assert_null(objstore_local_dir(f->s, "..", dir, sizeof(dir)));
    assert_null(objstore_local_dir(f->s, "bucket-name-longer-than-the-buffer", dir, sizeof(dir)));
    err_clear(&e);
    assert_int_equal(objstore_put(NULL, "b", "k", &part, 1, &e), WEIR_EINVAL);
}

static void test_file_directory_conflict(void **state)
{
    Fix *f = *state;
    Err e;
    Slice part = SLICE_LIT("x");
    put_str(f->s, "b", "a", "file");
    err_clear(&e);
    assert_int_equal(objstore_put(f->s, "b", "a/b", &part, 1, &e), WEIR_EIO);
    assert_non_null(strstr(e.msg, "b/a/b"));
    put_str(f->s, "b", "d/x", "in dir");
    err_clear(&e);
    assert_int_equal(objstore_put(f->s, "b", "d", &part, 1, &e), WEIR_EIO);
    assert_non_null(strstr(e.msg, "directory"));
    char dir[200];
    assert_non_null(objstore_local_dir(f->s, "b", dir, sizeof(dir)));
    assert_int_equal(count_tmp(dir), 0);
    expect_get(f->s, "b", "a", "file");
    expect_get(f->s, "b", "d/x", "in dir");
}

typedef struct Writer {
    ObjStore *s;
    char fill;
    int rc;
} Writer;

enum { BIG_OBJ = 256 * 1024 };

static void *writer_main(void *arg)
{
    Writer *w = arg;
    uint8_t *data = malloc(BIG_OBJ);
    memset(data, w->fill, BIG_OBJ);
    Slice part = {data, BIG_OBJ};
    w->rc = WEIR_OK;
    for (int i = 0; i < 20 && w->rc == WEIR_OK; i++) {
        Err e;
        err_clear(&e);
        char key[64];
        snprintf(key, sizeof(key), "t/%c/%d", w->fill, i); /* racing mkdirs of t/ */
        w->rc = objstore_put(w->s, "race", "same/key", &part, 1, &e);
        if (w->rc == WEIR_OK)
            w->rc = objstore_put(w->s, "race", key, &part, 1, &e);
    }
    free(data);
    return NULL;
}

static void test_concurrent_puts_whole(void **state)
{
    Fix *f = *state;
    Writer w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (Writer){f->s, (char)('a' + i), -1};
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    }
    /* meanwhile, every read sees one whole version */
    for (int r = 0; r < 50; r++) {
        Buf b;
        Err e;
        err_clear(&e);
        buf_init(&b, 1 << 20);
        int rc = objstore_get(f->s, "race", "same/key", &b, &e);
        if (rc == WEIR_OK) {
            assert_int_equal(b.len, BIG_OBJ);
            for (size_t k = 1; k < b.len; k++)
                if (b.p[k] != b.p[0])
                    fail_msg("torn read at byte %zu", k);
        } else {
            assert_int_equal(rc, WEIR_ENOTFOUND);
        }
        buf_fini(&b);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].rc, WEIR_OK);
    }
    char dir[200], sub[260];
    assert_non_null(objstore_local_dir(f->s, "race", dir, sizeof(dir)));
    snprintf(sub, sizeof(sub), "%s/same", dir);
    assert_int_equal(count_tmp(sub), 0);
    expect_list(f->s, "race", "t/a/1", "t/a/1,t/a/10,t/a/11,t/a/12,t/a/13,t/a/14,t/a/15,t/a/16,t/a/17,t/a/18,t/a/19");
}

/* In a child: a private mount namespace with a 64 KiB tmpfs as the warehouse. Exit status 0 when
 * the expected happened, 77 when namespaces are not available here (the test then skips). */
static int full_disk_child(const char *mnt)
{
    if (unshare(CLONE_NEWNS) != 0 && (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0))
        return 77;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return 77;
    if (mount("none", mnt, "tmpfs", 0, "size=64k") != 0)
        return 77;
    ObjStore *s = NULL;
    Err e;
    err_clear(&e);
    if (objstore_open_local(mnt, &s, &e) != WEIR_OK)
        return 1;
    static uint8_t big[256 * 1024];
    memset(big, 'z', sizeof(big));
    Slice small = SLICE_LIT("fits"), part = {big, sizeof(big)};
    if (objstore_put(s, "b", "small", &small, 1, &e) != WEIR_OK)
        return 2;
    err_clear(&e);
    int rc = objstore_put(s, "b", "dir/too-big", &part, 1, &e);
    if (rc != WEIR_ELIMIT || !strstr(e.msg, "disk full") || !strstr(e.msg, "b/dir/too-big"))
        return 3;
    char dir[256];
    snprintf(dir, sizeof(dir), "%s/b/dir", mnt);
    if (count_tmp(dir) != 0) /* the partial temporary file is gone */
        return 4;
    uint64_t size;
    err_clear(&e);
    if (objstore_head(s, "b", "dir/too-big", &size, &e) != WEIR_ENOTFOUND)
        return 5;
    /* the space is back: the next put works */
    err_clear(&e);
    if (objstore_put(s, "b", "dir/after", &small, 1, &e) != WEIR_OK)
        return 6;
    objstore_close(&s);
    umount(mnt);
    return 0;
}

static void test_full_disk(void **state)
{
    Fix *f = *state;
    char mnt[128];
    snprintf(mnt, sizeof(mnt), "%s/../tmpfs", f->dir);
    assert_int_equal(mkdir(mnt, 0755), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(full_disk_child(mnt));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        rmdir(mnt);
        skip();
    }
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(rmdir(mnt), 0); /* nothing was written outside the private tmpfs */
}

static void test_open_errors(void **state)
{
    Fix *f = *state;
    ObjStore *s = (ObjStore *)1;
    Err e;
    err_clear(&e);
    assert_int_equal(objstore_open_local("", &s, &e), WEIR_EINVAL);
    assert_null(s);
    /* a file where the directory should be */
    char path[128];
    snprintf(path, sizeof(path), "%s/../file", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    err_clear(&e);
    assert_int_not_equal(objstore_open_local(path, &s, &e), WEIR_OK);
    assert_non_null(strstr(e.msg, "file"));
    objstore_close(&s);
    objstore_close(NULL);
    /* a trailing slash is the same directory */
    char with_slash[128];
    snprintf(with_slash, sizeof(with_slash), "%s//", f->dir);
    err_clear(&e);
    assert_int_equal(objstore_open_local(with_slash, &s, &e), WEIR_OK);
    put_str(f->s, "b", "k", "v");
    expect_get(s, "b", "k", "v");
    char dir[200];
    assert_non_null(objstore_local_dir(s, "b", dir, sizeof(dir)));
    assert_null(strstr(dir, "//"));
    objstore_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_head_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_and_buckets_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_directory_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_puts_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
