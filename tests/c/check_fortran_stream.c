/*
 * Reads the stream test_fortran_order.f90 wrote from a Fortran-order array and checks,
 * from C: the stream says PLUME_ORDER_FORTRAN with the Fortran shape (37, 20, 11), and C's
 * decompression gives exactly the values Fortran's gave (bit for bit), within the bound of
 * the original.
 *
 *   check_fortran_stream DIR
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plume.h"

static void *slurp(const char *dir, const char *name, size_t *len) {
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
  void *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  size_t stream_len = 0, decoded_len = 0, original_len = 0;
  unsigned char *stream = slurp(dir, "stream.plm", &stream_len);
  float *fortran = slurp(dir, "decoded.f32", &decoded_len);
  float *original = slurp(dir, "original.f32", &original_len);
  int failures = 0;

  plume_codec *codec = NULL;
  plume_stream_info *info = NULL;
  if (plume_codec_new(NULL, NULL, &codec) != PLUME_OK) return 2;
  if (plume_codec_inspect(codec, stream, stream_len, &info) != PLUME_OK) {
    fprintf(stderr, "inspect: %s\n", plume_codec_last_error(codec));
    return 1;
  }
  uint32_t order = 99, dtype = 0;
  size_t ndims = 0, dims[4] = {0}, n = 0;
  plume_stream_info_order(info, &order);
  plume_stream_info_dtype(info, &dtype);
  plume_stream_info_ndims(info, &ndims);
  plume_stream_info_dims(info, dims, 4);
  plume_stream_info_n_values(info, &n);
  if (order != PLUME_ORDER_FORTRAN || dtype != PLUME_DTYPE_F32 || ndims != 3 || dims[0] != 37 ||
      dims[1] != 20 || dims[2] != 11 || n * sizeof(float) != decoded_len) {
    fprintf(stderr, "stream info: order %u dtype %u ndims %zu dims %zu %zu %zu\n", order, dtype, ndims, dims[0],
            dims[1], dims[2]);
    failures++;
  }
  float *back = malloc(n * sizeof(float));
  if (plume_codec_decompress_f32(codec, stream, stream_len, back, n) != PLUME_OK) {
    fprintf(stderr, "decompress: %s\n", plume_codec_last_error(codec));
    return 1;
  }
  size_t differ = 0, outside = 0;
  for (size_t i = 0; i < n; i++) {
    if (memcmp(&back[i], &fortran[i], sizeof(float)) != 0) differ++;
    if (!(fabs((double)back[i] - (double)original[i]) <= 1e-3)) outside++;
  }
  /* Fortran element a(i, j, k) (1-based) lies at (i-1) + 37 ((j-1) + 20 (k-1)) */
  size_t at = 2 + 37 * (3 + 20 * 4);
  if (original[at] != 0.0f) failures++; /* the layout is column-major */
  printf("C read a Fortran-order stream of %zu values: %zu differ from Fortran's decode, %zu outside the bound\n",
         n, differ, outside);
  failures += differ != 0 || outside != 0;
  free(back);
  free(stream);
  free(fortran);
  free(original);
  plume_stream_info_free(info);
  plume_codec_free(codec);
  return failures == 0 ? 0 : 1;
}
