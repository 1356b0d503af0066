/*
 * The C ABI from C: every status path (NULL handles and arguments, bad dims, bad keys and
 * values, bad decks, short buffers, truncated and damaged streams) and round trips on real
 * data that check the error bound on every value. Runs under valgrind in CI.
 *
 *   test_abi DATA_DIR        (DATA_DIR: ../shared/data, the project's sample fields)
 *
 * Exit status 0 when every check passes; each failure prints its line.
 */
#define _POSIX_C_SOURCE 200112L /* setenv */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plume.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    checks++;                                                                    \
    if (!(cond)) {                                                               \
      failures++;                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

#define CHECK_STATUS(call, want)                                                 \
  do {                                                                           \
    plume_status got_ = (call);                                                  \
    checks++;                                                                    \
    if (got_ != (want)) {                                                        \
      failures++;                                                                \
      fprintf(stderr, "%s:%d: %s returned %u (%s), expected %s\n", __FILE__,     \
              __LINE__, #call, (unsigned)got_, plume_status_str(got_), #want);   \
    }                                                                            \
  } while (0)

static int contains(const char *haystack, const char *needle) {
  return haystack != NULL && strstr(haystack, needle) != NULL;
}

static void *read_file(const char *dir, const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buf = malloc((size_t)n);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static void test_version_and_status(void) {
  CHECK(strcmp(plume_version(), PLUME_VERSION_STRING) == 0);
  CHECK(plume_version_major() == PLUME_VERSION_MAJOR);
  CHECK(plume_version_minor() == PLUME_VERSION_MINOR);
  CHECK(plume_version_patch() == PLUME_VERSION_PATCH);
  CHECK(contains(plume_features(), "cpu"));
  CHECK(strcmp(plume_status_str(PLUME_OK), "ok") == 0);
  CHECK(strcmp(plume_status_str(123456u), "unknown status") == 0);
  CHECK(plume_status_str(PLUME_ERR_BUFFER_TOO_SMALL) != NULL);
}

static void test_config(const char *tmpdir) {
  plume_config *cfg = NULL;
  CHECK_STATUS(plume_config_new(NULL), PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_config_new(&cfg), PLUME_OK);
  CHECK(cfg != NULL);
  CHECK(strcmp(plume_config_last_error(cfg), "") == 0);
  CHECK(plume_config_last_error(NULL) != NULL);

  /* NULL handle and arguments */
  CHECK_STATUS(plume_config_set(NULL, "mode", "abs"), PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_config_set(cfg, NULL, "abs"), PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_config_set(cfg, "mode", NULL), PLUME_ERR_NULL_POINTER);
  CHECK(contains(plume_config_last_error(cfg), "value"));

  /* bad key, bad values: the message names the key */
  CHECK_STATUS(plume_config_set(cfg, "error_bond", "1e-3"), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_config_last_error(cfg), "error_bond"));
  CHECK_STATUS(plume_config_set(cfg, "error_bound", "lots"), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_config_last_error(cfg), "error_bound"));
  CHECK_STATUS(plume_config_set(cfg, "mode", "l2"), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_config_last_error(cfg), "mode"));
  CHECK_STATUS(plume_config_set(cfg, "block_dims", "0,4"), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_config_last_error(cfg), "block_dims"));
  CHECK_STATUS(plume_config_set(cfg, "encoding", "zip"), PLUME_ERR_INVALID_ARGUMENT);

  /* good values; get with the size-query protocol */
  CHECK_STATUS(plume_config_set(cfg, "plume.mode", "pw_rel"), PLUME_OK);
  CHECK_STATUS(plume_config_set(cfg, "error_bound", "0.05"), PLUME_OK);
  size_t len = 0;
  CHECK_STATUS(plume_config_get(cfg, "mode", NULL, 0, &len), PLUME_OK);
  CHECK(len == strlen("pw_rel") + 1);
  char small[3];
  size_t len2 = 999;
  CHECK_STATUS(plume_config_get(cfg, "mode", small, sizeof small, &len2), PLUME_ERR_BUFFER_TOO_SMALL);
  CHECK(len2 == 999); /* not written on failure */
  char buf[64];
  CHECK_STATUS(plume_config_get(cfg, "mode", buf, sizeof buf, &len), PLUME_OK);
  CHECK(strcmp(buf, "pw_rel") == 0);
  CHECK_STATUS(plume_config_get(cfg, "nope", buf, sizeof buf, &len), PLUME_ERR_INVALID_ARGUMENT);

  /* an invalid combination is caught when resolved */
  CHECK_STATUS(plume_config_set(cfg, "error_bound", "2"), PLUME_OK);
  plume_codec *codec = NULL;
  CHECK_STATUS(plume_codec_new(cfg, NULL, &codec), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(codec == NULL);
  CHECK(contains(plume_config_last_error(cfg), "pw_rel"));
  CHECK_STATUS(plume_config_unset(cfg, "error_bound"), PLUME_OK);

  /* decks: a good one, and one with an unknown key (file, line and key named) */
  char path[4096];
  snprintf(path, sizeof path, "%s/plume_test_deck.txt", tmpdir);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    fputs("# solver deck\namr.n_cell = 64 64 64\nplume.error_bound = 0.01\nplume.encoding = fast\n", f);
    fclose(f);
  }
  CHECK_STATUS(plume_config_load(cfg, path), PLUME_OK);
  CHECK_STATUS(plume_config_get(cfg, "encoding", buf, sizeof buf, &len), PLUME_OK);
  CHECK(strcmp(buf, "fast") == 0);
  CHECK_STATUS(plume_config_get(cfg, "mode", buf, sizeof buf, &len), PLUME_OK);
  CHECK(strcmp(buf, "pw_rel") == 0); /* the API value wins over the deck */
  f = fopen(path, "w");
  if (f) {
    fputs("plume.mode = abs\n\nplume.colour = blue\n", f);
    fclose(f);
  }
  CHECK_STATUS(plume_config_load(cfg, path), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_config_last_error(cfg), ":3:"));
  CHECK(contains(plume_config_last_error(cfg), "colour"));
  remove(path);
  CHECK_STATUS(plume_config_load(cfg, path), PLUME_ERR_IO);
  /* the environment sits between the API and the deck, whatever the order of the calls */
  setenv("PLUME_ZSTD_LEVEL", "7", 1);
  setenv("PLUME_ENCODING", "ratio", 1);
  setenv("PLUME_TEST_UNRELATED", "ignored", 1);
  CHECK_STATUS(plume_config_set(cfg, "encoding", "fast"), PLUME_OK);
  CHECK_STATUS(plume_config_apply_env(cfg), PLUME_OK);
  CHECK_STATUS(plume_config_get(cfg, "zstd_level", buf, sizeof buf, &len), PLUME_OK);
  CHECK(strcmp(buf, "7") == 0); /* env over default */
  CHECK_STATUS(plume_config_get(cfg, "encoding", buf, sizeof buf, &len), PLUME_OK);
  CHECK(strcmp(buf, "fast") == 0); /* API over env */
  setenv("PLUME_MODE", "l2", 1);
  CHECK_STATUS(plume_config_apply_env(cfg), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_config_last_error(cfg), "PLUME_MODE"));
  unsetenv("PLUME_MODE");
  unsetenv("PLUME_ZSTD_LEVEL");
  unsetenv("PLUME_ENCODING");
  unsetenv("PLUME_TEST_UNRELATED");
  CHECK_STATUS(plume_config_effective(cfg, NULL, 0, &len), PLUME_OK);
  char *text = malloc(len);
  CHECK_STATUS(plume_config_effective(cfg, text, len, &len), PLUME_OK);
  CHECK(contains(text, "plume.encoding = fast"));
  free(text);

  plume_config_free(cfg);
  plume_config_free(NULL);
}

static void test_status_paths(void) {
  plume_codec *codec = NULL;
  CHECK_STATUS(plume_codec_new(NULL, NULL, NULL), PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_codec_new(NULL, NULL, &codec), PLUME_OK); /* defaults */
  CHECK(strcmp(plume_codec_last_error(NULL), "codec is NULL") == 0);

  float values[24];
  for (int i = 0; i < 24; i++) values[i] = (float)i * 0.5f;
  size_t dims[3] = {2, 3, 4};
  uint8_t out[4096];
  size_t out_len = 12345;

  CHECK_STATUS(plume_codec_compress_f32(NULL, values, 3, dims, PLUME_ORDER_C, out, sizeof out, &out_len),
               PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_codec_compress_f32(codec, NULL, 3, dims, PLUME_ORDER_C, out, sizeof out, &out_len),
               PLUME_ERR_NULL_POINTER);
  CHECK(contains(plume_codec_last_error(codec), "values"));
  CHECK_STATUS(plume_codec_compress_f32(codec, values, 3, NULL, PLUME_ORDER_C, out, sizeof out, &out_len),
               PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_codec_compress_f32(codec, values, 3, dims, PLUME_ORDER_C, NULL, sizeof out, &out_len),
               PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_codec_compress_f32(codec, values, 3, dims, PLUME_ORDER_C, out, sizeof out, NULL),
               PLUME_ERR_NULL_POINTER);
  /* bad dims: the message names ndims or the dims */
  CHECK_STATUS(plume_codec_compress_f32(codec, values, 0, dims, PLUME_ORDER_C, out, sizeof out, &out_len),
               PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_codec_last_error(codec), "ndims 0"));
  CHECK_STATUS(plume_codec_compress_f32(codec, values, 5, dims, PLUME_ORDER_C, out, sizeof out, &out_len),
               PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_codec_last_error(codec), "ndims 5"));
  size_t huge[4] = {SIZE_MAX / 2, 4, 4, 4};
  CHECK_STATUS(plume_codec_compress_f32(codec, values, 4, huge, PLUME_ORDER_C, out, sizeof out, &out_len),
               PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_codec_last_error(codec), "overflow"));
  CHECK_STATUS(plume_codec_compress_f32(codec, values, 3, dims, 7, out, sizeof out, &out_len),
               PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_codec_last_error(codec), "order 7"));
  /* misaligned input */
  CHECK_STATUS(plume_codec_compress_f32(codec, (const float *)((const char *)values + 1), 1, dims,
                                        PLUME_ORDER_C, out, sizeof out, &out_len),
               PLUME_ERR_INVALID_ARGUMENT);
  /* buffer too small: nothing written */
  CHECK_STATUS(plume_codec_compress_f32(codec, values, 3, dims, PLUME_ORDER_C, out, 10, &out_len),
               PLUME_ERR_BUFFER_TOO_SMALL);
  CHECK(out_len == 12345);
  CHECK(contains(plume_codec_last_error(codec), "needs"));
  /* bound query */
  size_t bound = 0;
  CHECK_STATUS(plume_codec_compress_bound(codec, 9, 3, dims, PLUME_ORDER_C, &bound), PLUME_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(plume_codec_compress_bound(codec, PLUME_DTYPE_F32, 3, dims, PLUME_ORDER_C, NULL),
               PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_codec_compress_bound(codec, PLUME_DTYPE_F32, 3, dims, PLUME_ORDER_C, &bound), PLUME_OK);
  CHECK(bound > 0 && bound <= sizeof out * 64);

  /* a good stream, then every way of misusing it */
  CHECK_STATUS(plume_codec_compress_f32(codec, values, 3, dims, PLUME_ORDER_C, out, sizeof out, &out_len),
               PLUME_OK);
  CHECK(out_len > 0 && out_len <= bound);
  float back[24];
  double back64[24];
  CHECK_STATUS(plume_codec_decompress_f32(codec, NULL, out_len, back, 24), PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_codec_decompress_f32(codec, out, out_len, NULL, 24), PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_codec_decompress_f32(codec, out, out_len, back, 23), PLUME_ERR_BUFFER_TOO_SMALL);
  CHECK_STATUS(plume_codec_decompress_f32(codec, out, out_len, back, 25), PLUME_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(plume_codec_decompress_f64(codec, out, out_len, back64, 24), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_codec_last_error(codec), "f32"));
  CHECK_STATUS(plume_codec_decompress_f32(codec, out, 0, back, 24), PLUME_ERR_CORRUPT_STREAM);
  /* every truncation is a clean error */
  int truncation_errors = 0;
  for (size_t n = 0; n < out_len; n++) {
    plume_status s = plume_codec_decompress_f32(codec, out, n, back, 24);
    if (s == PLUME_ERR_CORRUPT_STREAM) truncation_errors++;
  }
  CHECK(truncation_errors == (int)out_len);
  /* a flipped bit anywhere is detected (CRCs) */
  int flips_detected = 0, untouched = 0;
  for (size_t i = 0; i < out_len; i++) {
    out[i] ^= 0x10;
    for (int k = 0; k < 24; k++) back[k] = -7.0f;
    plume_status s = plume_codec_decompress_f32(codec, out, out_len, back, 24);
    if (s != PLUME_OK) flips_detected++;
    int same = 1;
    for (int k = 0; k < 24; k++) same &= back[k] == -7.0f;
    untouched += same;
    out[i] ^= 0x10;
  }
  CHECK(flips_detected == (int)out_len);
  CHECK(untouched == (int)out_len); /* a damaged stream never writes the output */
  CHECK_STATUS(plume_codec_decompress_f32(codec, out, out_len, back, 24), PLUME_OK);
  for (int i = 0; i < 24; i++) CHECK(fabsf(back[i] - values[i]) <= 1e-3f * 11.5f);

  /* stream info */
  plume_stream_info *info = NULL;
  CHECK_STATUS(plume_codec_inspect(codec, out, 3, &info), PLUME_ERR_CORRUPT_STREAM);
  CHECK(info == NULL);
  CHECK(contains(plume_codec_last_error(codec), "offset"));
  CHECK_STATUS(plume_codec_inspect(codec, out, out_len, NULL), PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_codec_inspect(codec, out, out_len, &info), PLUME_OK);
  uint32_t dtype = 0, order = 9;
  size_t ndims = 0, got_dims[4] = {0}, n_values = 0;
  const char *encoding = NULL, *mode = NULL;
  double bound_value = 0;
  CHECK_STATUS(plume_stream_info_dtype(info, &dtype), PLUME_OK);
  CHECK(dtype == PLUME_DTYPE_F32);
  CHECK_STATUS(plume_stream_info_order(info, &order), PLUME_OK);
  CHECK(order == PLUME_ORDER_C);
  CHECK_STATUS(plume_stream_info_ndims(info, &ndims), PLUME_OK);
  CHECK(ndims == 3);
  CHECK_STATUS(plume_stream_info_dims(info, got_dims, 2), PLUME_ERR_BUFFER_TOO_SMALL);
  CHECK_STATUS(plume_stream_info_dims(info, got_dims, 4), PLUME_OK);
  CHECK(got_dims[0] == 2 && got_dims[1] == 3 && got_dims[2] == 4);
  CHECK_STATUS(plume_stream_info_n_values(info, &n_values), PLUME_OK);
  CHECK(n_values == 24);
  CHECK_STATUS(plume_stream_info_encoding(info, &encoding), PLUME_OK);
  CHECK(strcmp(encoding, "ratio") == 0);
  CHECK_STATUS(plume_stream_info_bound(info, &mode, NULL), PLUME_ERR_NULL_POINTER);
  CHECK(mode == NULL);
  CHECK_STATUS(plume_stream_info_bound(info, &mode, &bound_value), PLUME_OK);
  CHECK(strcmp(mode, "rel") == 0 && bound_value == 1e-3);
  CHECK_STATUS(plume_stream_info_dtype(NULL, &dtype), PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_stream_info_dtype(info, NULL), PLUME_ERR_NULL_POINTER);
  plume_stream_info_free(info);
  plume_stream_info_free(NULL);

  /* regions: bad boxes */
  size_t start[3] = {1, 1, 1}, extent[3] = {1, 2, 3};
  float region[6];
  CHECK_STATUS(plume_codec_decompress_region_f32(codec, out, out_len, 2, start, extent, region, 6),
               PLUME_ERR_INVALID_ARGUMENT);
  size_t too_far[3] = {1, 2, 4};
  CHECK_STATUS(plume_codec_decompress_region_f32(codec, out, out_len, 3, start, too_far, region, 8),
               PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_codec_last_error(codec), "axis"));
  CHECK_STATUS(plume_codec_decompress_region_f32(codec, out, out_len, 3, start, extent, region, 5),
               PLUME_ERR_BUFFER_TOO_SMALL);
  CHECK_STATUS(plume_codec_decompress_region_f32(codec, out, out_len, 3, start, extent, region, 6), PLUME_OK);
  for (int j = 0; j < 2; j++)
    for (int k = 0; k < 3; k++) CHECK(region[j * 3 + k] == back[1 * 12 + (1 + j) * 4 + (1 + k)]);

  /* metrics: NULLs and unknown names */
  plume_metrics *m = NULL;
  CHECK_STATUS(plume_codec_compare_f32(codec, values, back, 3, dims, PLUME_ORDER_C, out_len, NULL),
               PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_codec_compare_f32(codec, values, back, 3, dims, PLUME_ORDER_C, out_len, &m), PLUME_OK);
  double v = -1;
  CHECK_STATUS(plume_metrics_get(m, "no_such_metric", &v), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_metrics_last_error(m), "no_such_metric"));
  CHECK(v == -1);
  CHECK_STATUS(plume_metrics_get(NULL, "psnr_db", &v), PLUME_ERR_NULL_POINTER);
  size_t count = 0;
  CHECK_STATUS(plume_metrics_count(m, &count), PLUME_OK);
  CHECK(count >= 19);
  const char *name = NULL;
  CHECK_STATUS(plume_metrics_name(m, count, &name), PLUME_ERR_INVALID_ARGUMENT);
  for (size_t i = 0; i < count; i++) {
    CHECK_STATUS(plume_metrics_name(m, i, &name), PLUME_OK);
    CHECK_STATUS(plume_metrics_get(m, name, &v), PLUME_OK);
  }
  CHECK_STATUS(plume_metrics_get(m, "n_values", &v), PLUME_OK);
  CHECK(v == 24.0);
  plume_metrics_free(m);
  plume_metrics_free(NULL);
  plume_codec_free(codec);
  plume_codec_free(NULL);
}

/* The labeler: NULLs, shapes, a 1-D mixing layer whose classes are known, label error. */
static void test_labeler(void) {
  enum { N = 200 };
  float h2[N], o2[N], h2o[N], z[N];
  for (int i = 0; i < N; i++) {
    float zi = (float)i / (N - 1); /* 0 (air) .. 1 (fuel) */
    z[i] = zi;
    h2[i] = 0.0283f * zi;           /* fuel stream: H2 diluted in N2 */
    o2[i] = 0.233f * (1.0f - zi);
    h2o[i] = 0.0f;
  }
  size_t dims[1] = {N};
  uint8_t labels[N], again[N];
  plume_labeler *lab = NULL;
  CHECK_STATUS(plume_labeler_new(NULL, NULL), PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_labeler_new(NULL, &lab), PLUME_OK);
  CHECK_STATUS(plume_labeler_label_f32(NULL, h2, o2, h2o, z, 1, dims, PLUME_ORDER_C, labels, N),
               PLUME_ERR_NULL_POINTER);
  CHECK_STATUS(plume_labeler_label_f32(lab, NULL, o2, h2o, z, 1, dims, PLUME_ORDER_C, labels, N),
               PLUME_ERR_NULL_POINTER);
  CHECK(contains(plume_labeler_last_error(lab), "y_h2"));
  CHECK_STATUS(plume_labeler_label_f32(lab, h2, o2, h2o, z, 0, dims, PLUME_ORDER_C, labels, N),
               PLUME_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(plume_labeler_label_f32(lab, h2, o2, h2o, z, 1, dims, PLUME_ORDER_C, labels, N - 1),
               PLUME_ERR_BUFFER_TOO_SMALL);
  CHECK_STATUS(plume_labeler_label_f32(lab, h2, o2, h2o, z, 1, dims, PLUME_ORDER_C, labels, N), PLUME_OK);
  CHECK(labels[0] == 3);     /* pure air */
  CHECK(labels[N - 1] == 2); /* pure fuel */
  CHECK(labels[N / 2] == 4); /* no water: unburned mixture */
  /* Z from the species (Bilger) instead of a supplied field */
  CHECK_STATUS(plume_labeler_label_f32(lab, h2, o2, h2o, NULL, 1, dims, PLUME_ORDER_C, again, N), PLUME_OK);
  double frac = -1, per_class[PLUME_N_CLASSES];
  CHECK_STATUS(plume_labeler_label_error(lab, labels, labels, N, &frac, per_class, 2), PLUME_ERR_BUFFER_TOO_SMALL);
  CHECK(frac == -1);
  CHECK_STATUS(plume_labeler_label_error(lab, labels, labels, N, &frac, per_class, PLUME_N_CLASSES), PLUME_OK);
  CHECK(frac == 0.0);
  again[N / 2] = 0;
  CHECK_STATUS(plume_labeler_label_error(lab, labels, again, N, &frac, NULL, 0), PLUME_OK);
  CHECK(frac > 0.0 && frac <= 0.5);
  again[0] = 9;
  CHECK_STATUS(plume_labeler_label_error(lab, labels, again, N, &frac, NULL, 0), PLUME_ERR_INVALID_ARGUMENT);
  /* thresholds from a config */
  plume_config *cfg = NULL;
  CHECK_STATUS(plume_config_new(&cfg), PLUME_OK);
  CHECK_STATUS(plume_config_set(cfg, "label.eps_z", "0.9"), PLUME_ERR_INVALID_ARGUMENT);
  CHECK(contains(plume_config_last_error(cfg), "label.eps_z"));
  CHECK_STATUS(plume_config_set(cfg, "label.eps_z", "0.2"), PLUME_OK);
  plume_labeler *wide = NULL;
  CHECK_STATUS(plume_labeler_new(cfg, &wide), PLUME_OK);
  CHECK_STATUS(plume_labeler_label_f32(wide, h2, o2, h2o, z, 1, dims, PLUME_ORDER_C, again, N), PLUME_OK);
  CHECK(again[30] == 3 && labels[30] == 4); /* Z = 0.15: pure air only with the wider margin */
  plume_labeler_free(wide);
  plume_config_free(cfg);
  plume_labeler_free(lab);
  plume_labeler_free(NULL);
}

/* Every bound mode is reachable through the string keys and comes back from inspect. */
static void test_modes(const char *dir) {
  size_t bytes = 0;
  float *values = read_file(dir, "nyx32_temperature.f32", &bytes);
  size_t dims[3] = {32, 32, 32}, n = bytes / sizeof(float);
  const char *modes[][2] = {{"abs", "100"}, {"rel", "1e-3"}, {"pw_rel", "0.01"}, {"psnr", "70"},
                            {"target_ratio", "8"}};
  float *back = malloc(bytes);
  for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
    plume_config *cfg = NULL;
    plume_codec *codec = NULL;
    plume_stream_info *info = NULL;
    CHECK_STATUS(plume_config_new(&cfg), PLUME_OK);
    CHECK_STATUS(plume_config_set(cfg, "mode", modes[m][0]), PLUME_OK);
    CHECK_STATUS(plume_config_set(cfg, "error_bound", modes[m][1]), PLUME_OK);
    CHECK_STATUS(plume_codec_new(cfg, NULL, &codec), PLUME_OK);
    size_t cap = 0, len = 0;
    CHECK_STATUS(plume_codec_compress_bound(codec, PLUME_DTYPE_F32, 3, dims, PLUME_ORDER_C, &cap), PLUME_OK);
    uint8_t *stream = malloc(cap);
    CHECK_STATUS(plume_codec_compress_f32(codec, values, 3, dims, PLUME_ORDER_C, stream, cap, &len), PLUME_OK);
    CHECK_STATUS(plume_codec_decompress_f32(codec, stream, len, back, n), PLUME_OK);
    CHECK_STATUS(plume_codec_inspect(codec, stream, len, &info), PLUME_OK);
    const char *mode = NULL;
    double value = 0;
    CHECK_STATUS(plume_stream_info_bound(info, &mode, &value), PLUME_OK);
    CHECK(mode != NULL && strcmp(mode, modes[m][0]) == 0 && value == atof(modes[m][1]));
    printf("  mode %-12s %-5s -> %zu bytes (ratio %.1f)\n", modes[m][0], modes[m][1], len, (double)bytes / len);
    plume_stream_info_free(info);
    free(stream);
    plume_codec_free(codec);
    plume_config_free(cfg);
  }
  free(back);
  free(values);
}

/* Compresses a real field under `mode`/`bound`, checks the bound on every value, a
 * sub-box against the full decode, and prints the metrics. */
static void round_trip_f32(const char *dir, const char *file, size_t ndims, const size_t *dims, const char *mode,
                           const char *bound_text, const char *encoding) {
  size_t bytes = 0;
  float *values = read_file(dir, file, &bytes);
  size_t n = bytes / sizeof(float);
  plume_config *cfg = NULL;
  plume_codec *codec = NULL;
  CHECK_STATUS(plume_config_new(&cfg), PLUME_OK);
  CHECK_STATUS(plume_config_set(cfg, "mode", mode), PLUME_OK);
  CHECK_STATUS(plume_config_set(cfg, "error_bound", bound_text), PLUME_OK);
  CHECK_STATUS(plume_config_set(cfg, "encoding", encoding), PLUME_OK);
  CHECK_STATUS(plume_codec_new(cfg, NULL, &codec), PLUME_OK);
  size_t cap = 0, len = 0;
  CHECK_STATUS(plume_codec_compress_bound(codec, PLUME_DTYPE_F32, ndims, dims, PLUME_ORDER_C, &cap), PLUME_OK);
  uint8_t *stream = malloc(cap);
  CHECK_STATUS(plume_codec_compress_f32(codec, values, ndims, dims, PLUME_ORDER_C, stream, cap, &len), PLUME_OK);
  float *back = malloc(bytes);
  CHECK_STATUS(plume_codec_decompress_f32(codec, stream, len, back, n), PLUME_OK);

  double eb = atof(bound_text);
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  size_t violations = 0;
  for (size_t i = 0; i < n; i++) {
    double x = values[i], y = back[i];
    double limit = strcmp(mode, "abs") == 0 ? eb : strcmp(mode, "rel") == 0 ? eb * (hi - lo) : eb * fabs(x);
    if (!(fabs(x - y) <= limit)) violations++;
  }
  CHECK(violations == 0);

  /* a sub-box equals the same box of the full decode */
  size_t start[4] = {0}, extent[4] = {0}, count = 1;
  for (size_t a = 0; a < ndims; a++) {
    start[a] = dims[a] / 3;
    extent[a] = dims[a] / 2 > 0 ? dims[a] / 2 : 1;
    count *= extent[a];
  }
  float *box = malloc(count * sizeof(float));
  CHECK_STATUS(plume_codec_decompress_region_f32(codec, stream, len, ndims, start, extent, box, count), PLUME_OK);
  if (ndims == 3) {
    size_t mismatches = 0;
    for (size_t i = 0; i < extent[0]; i++)
      for (size_t j = 0; j < extent[1]; j++)
        for (size_t k = 0; k < extent[2]; k++) {
          float a = box[(i * extent[1] + j) * extent[2] + k];
          float b = back[((start[0] + i) * dims[1] + start[1] + j) * dims[2] + start[2] + k];
          if (a != b) mismatches++;
        }
    CHECK(mismatches == 0);
  }

  plume_metrics *m = NULL;
  CHECK_STATUS(plume_codec_compare_f32(codec, values, back, ndims, dims, PLUME_ORDER_C, len, &m), PLUME_OK);
  double ratio = 0, psnr = 0, maxerr = 0;
  CHECK_STATUS(plume_metrics_get(m, "compression_ratio", &ratio), PLUME_OK);
  CHECK_STATUS(plume_metrics_get(m, "psnr_db", &psnr), PLUME_OK);
  CHECK_STATUS(plume_metrics_get(m, "max_abs_error", &maxerr), PLUME_OK);
  CHECK(ratio > 1.0);
  printf("  %-32s %-6s %-8s %-5s ratio %7.2f  psnr %6.2f dB  max_abs_error %.3g  (%zu bytes, bound %zu)\n",
         file, mode, bound_text, encoding, ratio, psnr, maxerr, len, cap);
  plume_metrics_free(m);
  free(box);
  free(back);
  free(stream);
  plume_codec_free(codec);
  plume_config_free(cfg);
  free(values);
}

/* f64, and Fortran order: the same memory compressed as a Fortran array of the reversed
 * dims decompresses to the same values. */
static void round_trip_f64_fortran(const char *dir) {
  size_t bytes = 0;
  double *values = read_file(dir, "sz2_testdouble_8_8_128.f64", &bytes);
  size_t n = bytes / sizeof(double);
  size_t dims_c[3] = {8, 8, 128}, dims_f[3] = {128, 8, 8};
  plume_config *cfg = NULL;
  plume_codec *codec = NULL;
  CHECK_STATUS(plume_config_new(&cfg), PLUME_OK);
  CHECK_STATUS(plume_config_set(cfg, "mode", "abs"), PLUME_OK);
  CHECK_STATUS(plume_config_set(cfg, "error_bound", "1e-4"), PLUME_OK);
  CHECK_STATUS(plume_codec_new(cfg, NULL, &codec), PLUME_OK);
  size_t cap = 0, len_c = 0, len_f = 0;
  CHECK_STATUS(plume_codec_compress_bound(codec, PLUME_DTYPE_F64, 3, dims_c, PLUME_ORDER_C, &cap), PLUME_OK);
  uint8_t *sc = malloc(cap), *sf = malloc(cap);
  CHECK_STATUS(plume_codec_compress_f64(codec, values, 3, dims_c, PLUME_ORDER_C, sc, cap, &len_c), PLUME_OK);
  CHECK_STATUS(plume_codec_compress_f64(codec, values, 3, dims_f, PLUME_ORDER_FORTRAN, sf, cap, &len_f),
               PLUME_OK);
  double *bc = malloc(bytes), *bf = malloc(bytes);
  CHECK_STATUS(plume_codec_decompress_f64(codec, sc, len_c, bc, n), PLUME_OK);
  CHECK_STATUS(plume_codec_decompress_f64(codec, sf, len_f, bf, n), PLUME_OK);
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(fabs(bc[i] - values[i]) <= 1e-4) || bc[i] != bf[i]) bad++;
  }
  CHECK(bad == 0);
  plume_stream_info *info = NULL;
  CHECK_STATUS(plume_codec_inspect(codec, sf, len_f, &info), PLUME_OK);
  uint32_t order = 0, dtype = 0;
  size_t d[4] = {0};
  CHECK_STATUS(plume_stream_info_order(info, &order), PLUME_OK);
  CHECK_STATUS(plume_stream_info_dtype(info, &dtype), PLUME_OK);
  CHECK_STATUS(plume_stream_info_dims(info, d, 4), PLUME_OK);
  CHECK(order == PLUME_ORDER_FORTRAN && dtype == PLUME_DTYPE_F64 && d[0] == 128 && d[2] == 8);
  /* a Fortran-order region: start/extent in the Fortran dims convention */
  size_t start[3] = {10, 2, 3}, extent[3] = {5, 1, 2};
  double box[10];
  CHECK_STATUS(plume_codec_decompress_region_f64(codec, sf, len_f, 3, start, extent, box, 10), PLUME_OK);
  for (size_t k = 0; k < 2; k++)
    for (size_t i = 0; i < 5; i++) /* Fortran element (i, 0, k) of the box */
      CHECK(box[k * 5 + i] == bf[(start[2] + k) * 8 * 128 + start[1] * 128 + start[0] + i]);
  plume_stream_info_free(info);
  free(bc);
  free(bf);
  free(sc);
  free(sf);
  plume_codec_free(codec);
  plume_config_free(cfg);
  free(values);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "../shared/data";
  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  printf("plume %s (%s)\n", plume_version(), plume_features());
  test_version_and_status();
  test_config(tmp);
  test_status_paths();
  test_labeler();
  test_modes(dir);
  size_t wmag[3] = {91, 91, 91};
  round_trip_f32(dir, "sperr_wmag91.f32", 3, wmag, "rel", "1e-3", "ratio");
  round_trip_f32(dir, "sperr_wmag91.f32", 3, wmag, "abs", "0.5", "fast");
  round_trip_f32(dir, "sperr_wmag91.f32", 3, wmag, "pw_rel", "0.01", "ratio");
  size_t nyx[3] = {32, 32, 32};
  round_trip_f32(dir, "nyx32_dark_matter_density.f32", 3, nyx, "pw_rel", "0.1", "fast");
  round_trip_f64_fortran(dir);
  printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
