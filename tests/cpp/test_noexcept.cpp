// plume.hpp's noexcept API in a program built with -fno-exceptions: every operation
// returns a plume::Status (code + message); the throwing API is compiled out.
#include <cmath>
#include <cstdio>
#include <vector>

#include "plume.hpp"

#ifdef PLUME_HPP_EXCEPTIONS
#error "this test must be built with -fno-exceptions"
#endif

static int failures = 0;
#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      failures++;                                                        \
      std::fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                    \
  } while (0)

int main() {
  plume::Config cfg;
  plume::Status s = cfg.try_set("error_bond", "1");
  CHECK(s.code == PLUME_ERR_INVALID_ARGUMENT && s.message.find("error_bond") != std::string::npos);
  CHECK(cfg.try_set("mode", "abs").ok() && cfg.try_set("error_bound", "1e-3").ok());
  CHECK(cfg.try_set("block_dims", "8,8").ok());
  std::string mode;
  CHECK(cfg.try_get("mode", mode).ok() && mode == "abs");

  plume::Status created;
  plume::Codec codec = plume::Codec::make(cfg, created);
  CHECK(created.ok());

  std::vector<std::size_t> dims = {20, 30};
  std::vector<double> field(600);
  for (std::size_t i = 0; i < field.size(); i++) field[i] = std::sin(0.01 * double(i * i % 977));
  rust::Vec<std::uint8_t> stream;
  CHECK(codec.try_compress(field.data(), dims, plume::Order::Fortran, stream).ok());
  std::size_t bound = 0;
  CHECK(codec.try_compress_bound(plume::DType::F64, dims, plume::Order::Fortran, bound).ok() && stream.size() <= bound);
  std::vector<std::size_t> bad = {1, 2, 3, 4, 5};
  s = codec.try_compress(field.data(), bad, plume::Order::C, stream);
  CHECK(s.code == PLUME_ERR_INVALID_ARGUMENT && s.message.find("ndims 5") != std::string::npos);

  rust::Vec<std::uint8_t> again;
  CHECK(codec.try_compress(rust::Slice<const double>(field.data(), field.size()), dims, plume::Order::Fortran, again)
            .ok());
  CHECK(again.size() == stream.size());
  CHECK(codec.try_compress(rust::Slice<const double>(field.data(), 10), dims, plume::Order::C, again).code ==
        PLUME_ERR_INVALID_ARGUMENT);
#ifdef PLUME_HPP_SPAN
  CHECK(codec.try_compress(std::span<const double>(field), dims, plume::Order::Fortran, again).ok());
  CHECK(again.size() == stream.size());
#endif

  std::vector<double> back(600);
  CHECK(plume::try_decompress(stream.data(), stream.size(), back.data(), back.size()).ok());
  for (std::size_t i = 0; i < 600; i++) CHECK(std::fabs(back[i] - field[i]) <= 1e-3);
  std::vector<float> wrong(600);
  s = plume::try_decompress(stream.data(), stream.size(), wrong.data(), wrong.size());
  CHECK(s.code == PLUME_ERR_INVALID_ARGUMENT);
  s = plume::try_decompress(stream.data(), 50, back.data(), back.size());
  CHECK(s.code == PLUME_ERR_CORRUPT_STREAM && std::string(s.name()) == "corrupt stream");

  plume::StreamInfo info;
  CHECK(plume::try_inspect(stream.data(), stream.size(), info).ok());
  CHECK(info.order == PLUME_ORDER_FORTRAN && info.dims.size() == 2 && info.dims[0] == 20 && info.n_blocks == 12);

  // Fortran dims convention for regions: rows 2..4 of the first index, column 7.
  std::vector<double> box(3);
  CHECK(plume::try_decompress_region(stream.data(), stream.size(), {2, 7}, {3, 1}, box.data(), box.size()).ok());
  for (std::size_t i = 0; i < 3; i++) CHECK(box[i] == back[7 * 20 + 2 + i]);

  plume::Metrics metrics;
  CHECK(plume::try_compare(field.data(), back.data(), dims, plume::Order::Fortran, stream.size(), metrics).ok());
  CHECK(metrics.at("max_abs_error") <= 1e-3 && metrics.count("psnr_db") == 1);

  plume::Status lab_status;
  plume::Labeler labeler = plume::Labeler::make(cfg, lab_status);
  CHECK(lab_status.ok());
  std::vector<float> h2(50, 0.0f), o2(50, 0.233f), h2o(50, 0.0f), z(50, 0.0f);
  std::vector<std::uint8_t> labels(50);
  CHECK(labeler.try_label(h2.data(), o2.data(), h2o.data(), z.data(), {50}, plume::Order::C, labels.data(), 50).ok());
  CHECK(labels[0] == 3);  // pure air
  double frac = -1;
  CHECK(plume::try_label_error(labels.data(), labels.data(), 50, frac).ok() && frac == 0.0);

  std::printf("plume.hpp noexcept API: %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
