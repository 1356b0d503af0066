/*
 * Plume from C: compress a real 3-D field under a point-wise relative bound, decompress
 * it, check the bound on every value, and print the quality metrics.
 *
 *   plume_example_c FIELD.f32 [NZ NY NX]      (default: sperr_wmag91.f32, 91 91 91)
 *
 * Every call returns a plume_status; on failure the handle's last-error message says why.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "plume.h"

/* Prints the failing call and its message, then leaves main with status 1. */
#define TRY(call, handle_error)                                                            \
  do {                                                                                     \
    plume_status s_ = (call);                                                              \
    if (s_ != PLUME_OK) {                                                                  \
      fprintf(stderr, "%s: %s: %s\n", #call, plume_status_str(s_), (handle_error));        \
      return 1;                                                                            \
    }                                                                                      \
  } while (0)

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "../shared/data/sperr_wmag91.f32";
  size_t dims[3] = {91, 91, 91};
  if (argc > 4)
    for (int a = 0; a < 3; a++) dims[a] = (size_t)strtoull(argv[2 + a], NULL, 10);
  size_t n = dims[0] * dims[1] * dims[2];

  float *field = malloc(n * sizeof *field), *back = malloc(n * sizeof *back);
  FILE *f = fopen(path, "rb");
  if (!field || !back || !f || fread(field, sizeof *field, n, f) != n) {
    fprintf(stderr, "cannot read %zu floats from %s\n", n, path);
    return 1;
  }
  fclose(f);

  /* Options: point-wise relative 1%, the ratio encoding. A deck or PLUME_* variables
   * could set them too (plume_config_load, plume_config_apply_env); these calls win. */
  plume_config *cfg = NULL;
  TRY(plume_config_new(&cfg), "");
  TRY(plume_config_apply_env(cfg), plume_config_last_error(cfg));
  TRY(plume_config_set(cfg, "mode", "pw_rel"), plume_config_last_error(cfg));
  TRY(plume_config_set(cfg, "error_bound", "0.01"), plume_config_last_error(cfg));
  TRY(plume_config_set(cfg, "encoding", "ratio"), plume_config_last_error(cfg));
  plume_codec *codec = NULL;
  TRY(plume_codec_new(cfg, NULL, &codec), plume_config_last_error(cfg));

  size_t capacity = 0, stream_len = 0;
  TRY(plume_codec_compress_bound(codec, PLUME_DTYPE_F32, 3, dims, PLUME_ORDER_C, &capacity),
      plume_codec_last_error(codec));
  uint8_t *stream = malloc(capacity);
  TRY(plume_codec_compress_f32(codec, field, 3, dims, PLUME_ORDER_C, stream, capacity, &stream_len),
      plume_codec_last_error(codec));
  TRY(plume_codec_decompress_f32(codec, stream, stream_len, back, n), plume_codec_last_error(codec));

  size_t violations = 0;
  for (size_t i = 0; i < n; i++)
    if (!(fabs((double)back[i] - (double)field[i]) <= 0.01 * fabs((double)field[i]))) violations++;

  plume_metrics *m = NULL;
  TRY(plume_codec_compare_f32(codec, field, back, 3, dims, PLUME_ORDER_C, stream_len, &m),
      plume_codec_last_error(codec));
  printf("plume %s: %s (%zu x %zu x %zu f32), pw_rel 0.01, ratio encoding\n", plume_version(), path, dims[0],
         dims[1], dims[2]);
  printf("  %zu -> %zu bytes; values outside the bound: %zu\n", n * sizeof(float), stream_len, violations);
  const char *shown[] = {"compression_ratio", "bits_per_value", "psnr_db", "ssim", "max_abs_error",
                         "max_pw_rel_error", "nrmse", "pearson"};
  for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
    double v = 0;
    TRY(plume_metrics_get(m, shown[i], &v), plume_metrics_last_error(m));
    printf("  %-18s %.6g\n", shown[i], v);
  }
  /* Labeling the flame regimes of a synthetic jet flame needs the labeler's C API
   * (plume_label_*), not part of this build yet: see the README's status. */

  plume_metrics_free(m);
  free(stream);
  plume_codec_free(codec);
  plume_config_free(cfg);
  free(field);
  free(back);
  return violations == 0 ? 0 : 1;
}
