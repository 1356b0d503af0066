/*
 * Plume from C: compress a real 3-D field under a point-wise relative bound, decompress
 * it, check the bound on every value, and print the quality metrics; then label the flame
 * regimes of a synthetic 2-D H2 jet flame (Burke-Schumann state), compress its four
 * fields, and measure how many labels the compression changes.
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

/* A 2-D planar H2/N2 jet in air (ny x nx, C order): Z from 1 in the jet core to 0 in the
 * coflow, species in the Burke-Schumann limit (a flame sheet at Z_st), sheared by a
 * sinusoidal flapping. Labels it, compresses the four fields with `codec`, labels the
 * decompressed fields, and prints the class counts and the label error. */
static int label_jet_flame(const plume_codec *codec) {
  enum { NY = 128, NX = 96, N = NY * NX, NF = 4 };
  const double y_fuel = 0.11789, y_air = 0.233, z_st = 1.0 / (1.0 + 8.0 * y_fuel / y_air);
  const double h2o_peak = 9.0 * y_fuel * z_st;
  static float fields[NF][N], back[NF][N]; /* Y_H2, Y_O2, Y_H2O, Z */
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      double y = (j - NY / 2.0) / 8.0, x = i / (double)NX;
      double half_width = 1.0 + 0.8 * x + 0.3 * sin(6.0 * x);
      double z = 0.5 * (1.0 - tanh(3.0 * (fabs(y) - half_width)));
      double h2 = z > z_st ? y_fuel * (z - z_st) / (1.0 - z_st) : 0.0;
      double o2 = z < z_st ? y_air * (1.0 - z / z_st) : 0.0;
      double h2o = z < z_st ? h2o_peak * z / z_st : h2o_peak * (1.0 - z) / (1.0 - z_st);
      int at = j * NX + i;
      fields[0][at] = (float)h2, fields[1][at] = (float)o2, fields[2][at] = (float)h2o, fields[3][at] = (float)z;
    }
  size_t dims[2] = {NY, NX};
  plume_labeler *lab = NULL;
  static uint8_t labels[N], labels_back[N];
  TRY(plume_labeler_new(NULL, &lab), "");
  TRY(plume_labeler_label_f32(lab, fields[0], fields[1], fields[2], fields[3], 2, dims, PLUME_ORDER_C, labels, N),
      plume_labeler_last_error(lab));
  size_t stream_bytes = 0;
  for (int f = 0; f < NF; f++) {
    size_t cap = 0, len = 0;
    TRY(plume_codec_compress_bound(codec, PLUME_DTYPE_F32, 2, dims, PLUME_ORDER_C, &cap), plume_codec_last_error(codec));
    uint8_t *stream = malloc(cap);
    TRY(plume_codec_compress_f32(codec, fields[f], 2, dims, PLUME_ORDER_C, stream, cap, &len),
        plume_codec_last_error(codec));
    TRY(plume_codec_decompress_f32(codec, stream, len, back[f], N), plume_codec_last_error(codec));
    stream_bytes += len;
    free(stream);
  }
  TRY(plume_labeler_label_f32(lab, back[0], back[1], back[2], back[3], 2, dims, PLUME_ORDER_C, labels_back, N),
      plume_labeler_last_error(lab));
  double error_fraction = 0, per_class[PLUME_N_CLASSES];
  TRY(plume_labeler_label_error(lab, labels, labels_back, N, &error_fraction, per_class, PLUME_N_CLASSES),
      plume_labeler_last_error(lab));
  static const char *names[PLUME_N_CLASSES] = {"premixed_flame", "non_premixed_flame", "pure_fuel", "pure_air",
                                               "unburned_mixture"};
  size_t counts[PLUME_N_CLASSES] = {0};
  for (int i = 0; i < N; i++) counts[labels[i]]++;
  printf("synthetic jet flame %d x %d, 4 fields -> %zu bytes; labels of the original fields:\n", NY, NX,
         stream_bytes);
  for (int c = 0; c < PLUME_N_CLASSES; c++)
    printf("  %-18s %6zu cells, changed by compression: %.4f\n", names[c], counts[c], per_class[c]);
  printf("  label error (fraction of cells whose class changed): %.5f\n", error_fraction);
  plume_labeler_free(lab);
  return 0;
}

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
  if (label_jet_flame(codec) != 0) return 1;

  plume_metrics_free(m);
  free(stream);
  plume_codec_free(codec);
  plume_config_free(cfg);
  free(field);
  free(back);
  return violations == 0 ? 0 : 1;
}
