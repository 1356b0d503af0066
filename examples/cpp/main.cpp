// Plume from C++: compress a real 3-D field under a point-wise relative bound, decompress
// it, check the bound on every value, print the quality metrics; label a synthetic jet
// flame before and after compression; then show both error styles: exceptions
// (plume::Error) and the noexcept Status API.
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

    // Flame regimes of a synthetic planar jet (Burke-Schumann state), before and after
    // compressing its four fields with the same codec.
    const std::size_t ny = 96, nx = 64, n = ny * nx;
    const double y_fuel = 0.11789, y_air = 0.233, z_st = 1.0 / (1.0 + 8.0 * y_fuel / y_air);
    std::vector<double> h2(n), o2(n), h2o(n), z(n);
    for (std::size_t j = 0; j < ny; j++)
      for (std::size_t i = 0; i < nx; i++) {
        double y = (double(j) - ny / 2.0) / 6.0, zz = 0.5 * (1.0 - std::tanh(3.0 * (std::fabs(y) - 1.0 - i / 64.0)));
        std::size_t at = j * nx + i;
        z[at] = zz;
        h2[at] = zz > z_st ? y_fuel * (zz - z_st) / (1.0 - z_st) : 0.0;
        o2[at] = zz < z_st ? y_air * (1.0 - zz / z_st) : 0.0;
        h2o[at] = 9.0 * y_fuel * z_st * (zz < z_st ? zz / z_st : (1.0 - zz) / (1.0 - z_st));
      }
    plume::Labeler labeler(cfg);
    std::vector<std::size_t> jet = {ny, nx};
    auto labels = labeler.label(h2.data(), o2.data(), h2o.data(), z.data(), jet);
    auto round = [&](const std::vector<double> &f) {
      auto s = codec.compress(f, jet);
      return plume::decompress<double>(s.data(), s.size());
    };
    auto h2b = round(h2), o2b = round(o2), h2ob = round(h2o), zb = round(z);
    auto labels_back = labeler.label(h2b.data(), o2b.data(), h2ob.data(), zb.data(), jet);
    std::size_t flame = 0;
    for (auto c : labels) flame += c <= 1;
    std::printf("  jet flame %zu x %zu: %zu flame cells; label error after compression %.5f\n", ny, nx, flame,
                plume::label_error(labels, labels_back));

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
