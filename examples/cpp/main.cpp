// Plume from C++: compress a real 3-D field under a point-wise relative bound, decompress
// it, check the bound on every value, print the quality metrics; then show both error
// styles: exceptions (plume::Error) and the noexcept Status API.
//
//   plume_example_cpp [FIELD.f32 [NZ NY NX]]     (default: sperr_wmag91.f32, 91 91 91)
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "plume.hpp"

int main(int argc, char **argv) {
  std::string path = argc > 1 ? argv[1] : "../shared/data/sperr_wmag91.f32";
  std::vector<std::size_t> dims = {91, 91, 91};
  if (argc > 4) dims = {std::stoul(argv[2]), std::stoul(argv[3]), std::stoul(argv[4])};
  std::vector<float> field(dims[0] * dims[1] * dims[2]);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char *>(field.data()), static_cast<std::streamsize>(field.size() * sizeof(float)))) {
    std::fprintf(stderr, "cannot read %zu floats from %s\n", field.size(), path.c_str());
    return 1;
  }

  try {
    plume::Config cfg;
    cfg.apply_env().set("mode", "pw_rel").set("error_bound", "0.01").set("encoding", "ratio");
    plume::Codec codec(cfg);
    auto stream = codec.compress(field, dims);  // the vector is viewed, not copied
    auto back = plume::decompress<float>(stream.data(), stream.size());

    std::size_t outside = 0;
    for (std::size_t i = 0; i < field.size(); i++)
      if (!(std::fabs(double(back[i]) - double(field[i])) <= 0.01 * std::fabs(double(field[i])))) outside++;
    auto metrics = plume::compare(field.data(), back.data(), dims, plume::Order::C, stream.size());
    auto info = plume::inspect(stream.data(), stream.size());
    std::printf("plume %s: %s (%zu x %zu x %zu f32), %s %g, %s encoding, %zu blocks\n", plume_version(),
                path.c_str(), dims[0], dims[1], dims[2], std::string(info.bound_mode).c_str(), info.bound_value,
                std::string(info.encoding).c_str(), info.n_blocks);
    std::printf("  %zu -> %zu bytes; values outside the bound: %zu\n", field.size() * sizeof(float), stream.size(),
                outside);
    for (const char *name : {"compression_ratio", "psnr_db", "ssim", "max_abs_error", "max_pw_rel_error"})
      std::printf("  %-18s %.6g\n", name, metrics.at(name));

    // A sub-box: 3 planes of the middle, reading only the blocks it overlaps.
    auto window = plume::decompress_region<float>(stream.data(), stream.size(), {44, 0, 0}, {3, dims[1], dims[2]});
    std::printf("  window of %zu values decoded from the blocks it overlaps\n", window.size());

    // Errors as exceptions: a truncated stream.
    try {
      plume::decompress<float>(stream.data(), 100);
    } catch (const plume::Error &e) {
      std::printf("  truncated stream -> plume::Error code %u: %.70s...\n", e.code(), e.what());
    }
    // Errors as values (noexcept): an unknown key.
    plume::Status s = cfg.try_set("colour", "blue");
    std::printf("  try_set(\"colour\") -> %s: %.60s...\n", s.name(), s.message.c_str());
    return outside == 0 && !s.ok() ? 0 : 1;
  } catch (const plume::Error &e) {
    std::fprintf(stderr, "plume error %u: %s\n", e.code(), e.what());
    return 1;
  }
}
