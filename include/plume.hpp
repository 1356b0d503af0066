// plume.hpp: the C++ layer of Plume (namespace plume), over the cxx bridge compiled into
// libplume. SPDX-License-Identifier: BSD-3-Clause
//
// RAII types (Config, Codec, Labeler) that own their Rust objects (rust::Box); solver
// arrays are passed as pointer + dims, std::vector, rust::Slice or (C++20) std::span, and
// viewed as rust::Slice without a copy; streams come back as rust::Vec<std::uint8_t>
// (contiguous: data(), size(), iterators).
//
// Two ways to handle errors, for every operation:
//   - the throwing API (compress, decompress, ...) throws plume::Error, which carries the
//     status code (plume_status of plume.h) and the message (which key, which dimension,
//     which stream section and byte offset);
//   - the noexcept API (try_compress, try_decompress, ...) returns a plume::Status with the
//     same code and message, for codes built without exceptions (-fno-exceptions: the
//     throwing API is then compiled out).
//
// Thread safety: a Config is a plain value (one thread at a time); a Codec is immutable
// and may be used by many threads at once. The free functions are thread-safe.
//
//   plume::Config cfg;
//   cfg.set("mode", "pw_rel").set("error_bound", "1e-2");
//   plume::Codec codec(cfg);
//   auto stream = codec.compress(temperature.data(), {nz, ny, nx});         // C order
//   auto back = plume::decompress<float>(stream.data(), stream.size());
//
// Link with Plume::plume_cxx (CMake) or the static libplume.a: the C++ half of the bridge
// lives in the static library.
#ifndef PLUME_HPP
#define PLUME_HPP

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "plume.h"
#include "plume/bridge.rs.h"

#if __cplusplus >= 202002L && defined(__has_include)
#if __has_include(<span>)
#include <span>
#define PLUME_HPP_SPAN 1
#endif
#endif

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define PLUME_HPP_EXCEPTIONS 1
#endif

namespace plume {

/// Memory order of a field (plume_order).
enum class Order : std::uint32_t { C = PLUME_ORDER_C, Fortran = PLUME_ORDER_FORTRAN };

/// Element type (plume_dtype).
enum class DType : std::uint32_t { F32 = PLUME_DTYPE_F32, F64 = PLUME_DTYPE_F64 };

/// The outcome of a noexcept call: a plume_status code and, on failure, the message.
struct Status {
  std::uint32_t code = PLUME_OK;
  std::string message;

  bool ok() const noexcept { return code == PLUME_OK; }
  explicit operator bool() const noexcept { return ok(); }
  /// The code's static description, e.g. "corrupt stream".
  const char *name() const noexcept { return plume_status_str(code); }
};

#ifdef PLUME_HPP_EXCEPTIONS
/// What the throwing API throws: the status code and the message.
class Error : public std::runtime_error {
 public:
  Error(std::uint32_t code, const std::string &message)
      : std::runtime_error(std::string(plume_status_str(code)) + ": " + message), code_(code) {}
  /// The plume_status code (PLUME_ERR_*).
  std::uint32_t code() const noexcept { return code_; }

 private:
  std::uint32_t code_;
};
#endif

/// What a stream holds (bridge::StreamInfo: dtype, order, dims, n_values, n_blocks,
/// encoding, bound_mode, bound_value).
using StreamInfo = bridge::StreamInfo;

/// Quality metrics by name ("psnr_db", "max_abs_error", "compression_ratio", ...; see
/// plume_metrics_get in plume.h). Undefined metrics are NaN.
using Metrics = std::map<std::string, double>;

namespace detail {

inline Status status(std::uint32_t code, const rust::String &message) {
  return code == PLUME_OK ? Status{} : Status{code, static_cast<std::string>(message)};
}

#ifdef PLUME_HPP_EXCEPTIONS
inline void check(const Status &s) {
  if (!s.ok()) throw Error(s.code, s.message);
}
#endif

inline rust::Slice<const std::size_t> dims_slice(const std::vector<std::size_t> &dims) noexcept {
  return rust::Slice<const std::size_t>(dims.data(), dims.size());
}

inline std::size_t product(const std::vector<std::size_t> &dims) noexcept {
  std::size_t n = 1;
  for (std::size_t d : dims) n *= d;
  return n;
}

template <class T>
constexpr DType dtype_of() noexcept {
  static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                "Plume compresses float and double fields");
  return std::is_same<T, float>::value ? DType::F32 : DType::F64;
}

// One overload per element type: the bridge has _f32 and _f64 functions.
inline std::uint32_t compress(const bridge::Codec &c, rust::Slice<const float> v, rust::Slice<const std::size_t> d,
                              std::uint32_t o, rust::Vec<std::uint8_t> &s, rust::String &m) noexcept {
  return bridge::compress_f32(c, v, d, o, s, m);
}
inline std::uint32_t compress(const bridge::Codec &c, rust::Slice<const double> v, rust::Slice<const std::size_t> d,
                              std::uint32_t o, rust::Vec<std::uint8_t> &s, rust::String &m) noexcept {
  return bridge::compress_f64(c, v, d, o, s, m);
}
inline std::uint32_t decompress(rust::Slice<const std::uint8_t> s, rust::Slice<float> out, rust::String &m) noexcept {
  return bridge::decompress_f32(s, out, m);
}
inline std::uint32_t decompress(rust::Slice<const std::uint8_t> s, rust::Slice<double> out, rust::String &m) noexcept {
  return bridge::decompress_f64(s, out, m);
}
inline std::uint32_t region(rust::Slice<const std::uint8_t> s, rust::Slice<const std::size_t> a,
                            rust::Slice<const std::size_t> e, rust::Slice<float> out, rust::String &m) noexcept {
  return bridge::decompress_region_f32(s, a, e, out, m);
}
inline std::uint32_t region(rust::Slice<const std::uint8_t> s, rust::Slice<const std::size_t> a,
                            rust::Slice<const std::size_t> e, rust::Slice<double> out, rust::String &m) noexcept {
  return bridge::decompress_region_f64(s, a, e, out, m);
}
inline std::uint32_t compare(rust::Slice<const float> a, rust::Slice<const float> b, rust::Slice<const std::size_t> d,
                             std::uint32_t o, std::size_t bytes, rust::Vec<bridge::Metric> &out,
                             rust::String &m) noexcept {
  return bridge::compare_f32(a, b, d, o, bytes, out, m);
}
inline std::uint32_t compare(rust::Slice<const double> a, rust::Slice<const double> b,
                             rust::Slice<const std::size_t> d, std::uint32_t o, std::size_t bytes,
                             rust::Vec<bridge::Metric> &out, rust::String &m) noexcept {
  return bridge::compare_f64(a, b, d, o, bytes, out, m);
}

inline std::uint32_t label(const bridge::Labeler &l, rust::Slice<const float> a, rust::Slice<const float> b,
                           rust::Slice<const float> c, rust::Slice<const float> z, rust::Slice<const std::size_t> d,
                           std::uint32_t o, rust::Slice<std::uint8_t> out, rust::String &m) noexcept {
  return bridge::label_f32(l, a, b, c, z, d, o, out, m);
}
inline std::uint32_t label(const bridge::Labeler &l, rust::Slice<const double> a, rust::Slice<const double> b,
                           rust::Slice<const double> c, rust::Slice<const double> z, rust::Slice<const std::size_t> d,
                           std::uint32_t o, rust::Slice<std::uint8_t> out, rust::String &m) noexcept {
  return bridge::label_f64(l, a, b, c, z, d, o, out, m);
}

}  // namespace detail

/// Options as string key/value pairs (see plume_config_set in plume.h for the keys), from
/// the API, the environment (apply_env) and input decks (load); precedence API >
/// environment > deck > defaults. Movable, not copyable.
class Config {
 public:
  Config() : inner_(bridge::config_new()) {}

  /// Sets `key` to `value`; Status names the key on an unknown key or bad value.
  Status try_set(const std::string &key, const std::string &value) noexcept {
    rust::String m;
    return detail::status(bridge::config_set(*inner_, key, value, m), m);
  }
  /// Loads a deck (key = value, [plume] TOML table, or &plume namelist group).
  Status try_load(const std::string &path) noexcept {
    rust::String m;
    return detail::status(bridge::config_load(*inner_, path, m), m);
  }
  /// Applies the PLUME_* environment variables.
  Status try_apply_env() noexcept {
    rust::String m;
    return detail::status(bridge::config_apply_env(*inner_, m), m);
  }
  /// The effective value of `key` into `value`.
  Status try_get(const std::string &key, std::string &value) const noexcept {
    rust::String m, v;
    Status s = detail::status(bridge::config_get(*inner_, key, v, m), m);
    if (s.ok()) value = static_cast<std::string>(v);
    return s;
  }
  /// The effective configuration as a deck (one `plume.key = value  # origin` per line).
  Status try_effective(std::string &text) const noexcept {
    rust::String m, t;
    Status s = detail::status(bridge::config_effective(*inner_, t, m), m);
    if (s.ok()) text = static_cast<std::string>(t);
    return s;
  }

#ifdef PLUME_HPP_EXCEPTIONS
  Config &set(const std::string &key, const std::string &value) {
    detail::check(try_set(key, value));
    return *this;
  }
  Config &load(const std::string &path) {
    detail::check(try_load(path));
    return *this;
  }
  Config &apply_env() {
    detail::check(try_apply_env());
    return *this;
  }
  std::string get(const std::string &key) const {
    std::string v;
    detail::check(try_get(key, v));
    return v;
  }
  std::string effective() const {
    std::string t;
    detail::check(try_effective(t));
    return t;
  }
#endif

  const bridge::Config &bridge() const noexcept { return *inner_; }

 private:
  rust::Box<bridge::Config> inner_;
};

/// A compressor with the effective options of a Config at construction (later changes to
/// the Config do not affect it). Movable, not copyable; thread-safe to share.
class Codec {
 public:
#ifdef PLUME_HPP_EXCEPTIONS
  /// Throws plume::Error when the options do not combine (e.g. pw_rel with a bound >= 1).
  /// With `field`, that field's `field.<name>.*` overrides apply.
  explicit Codec(const Config &cfg, const std::string &field = std::string()) : Codec(cfg, field, nullptr) {
    detail::check(created_);
  }
#endif
  /// noexcept construction: `status` receives the outcome; a failed Codec fails every call.
  static Codec make(const Config &cfg, Status &status, const std::string &field = std::string()) noexcept {
    Codec c(cfg, field, nullptr);
    status = c.created_;
    return c;
  }

  /// A stream size that compressing any field of this type, dims and order never exceeds.
  Status try_compress_bound(DType dtype, const std::vector<std::size_t> &dims, Order order,
                            std::size_t &bytes) const noexcept {
    rust::String m;
    std::size_t b = 0;
    Status s = detail::status(bridge::compress_bound(*inner_, static_cast<std::uint32_t>(dtype),
                                                     detail::dims_slice(dims), static_cast<std::uint32_t>(order), b, m),
                              m);
    if (s.ok()) bytes = b;
    return s;
  }

  /// Compresses `product(dims)` values at `values` (float or double, 1-4 dims, as they lie
  /// in memory, not copied) into `stream`.
  template <class T>
  Status try_compress(const T *values, const std::vector<std::size_t> &dims, Order order,
                      rust::Vec<std::uint8_t> &stream) const noexcept {
    (void)detail::dtype_of<T>();
    rust::String m;
    rust::Slice<const T> view(values, detail::product(dims));
    return detail::status(
        detail::compress(*inner_, view, detail::dims_slice(dims), static_cast<std::uint32_t>(order), stream, m), m);
  }

  /// As above, on a rust::Slice view (its length must be product(dims)).
  template <class T>
  Status try_compress(rust::Slice<const T> values, const std::vector<std::size_t> &dims, Order order,
                      rust::Vec<std::uint8_t> &stream) const noexcept {
    if (values.size() != detail::product(dims))
      return Status{PLUME_ERR_INVALID_ARGUMENT, "the slice's length differs from the product of dims"};
    return try_compress(values.data(), dims, order, stream);
  }

#ifdef PLUME_HPP_SPAN
  /// As above, on a std::span (C++20; its size must be product(dims)).
  template <class T>
  Status try_compress(std::span<const T> values, const std::vector<std::size_t> &dims, Order order,
                      rust::Vec<std::uint8_t> &stream) const noexcept {
    if (values.size() != detail::product(dims))
      return Status{PLUME_ERR_INVALID_ARGUMENT, "the span's size differs from the product of dims"};
    return try_compress(values.data(), dims, order, stream);
  }
#endif

#ifdef PLUME_HPP_EXCEPTIONS
  std::size_t compress_bound(DType dtype, const std::vector<std::size_t> &dims, Order order = Order::C) const {
    std::size_t b = 0;
    detail::check(try_compress_bound(dtype, dims, order, b));
    return b;
  }
  template <class T>
  rust::Vec<std::uint8_t> compress(const T *values, const std::vector<std::size_t> &dims,
                                   Order order = Order::C) const {
    rust::Vec<std::uint8_t> stream;
    detail::check(try_compress(values, dims, order, stream));
    return stream;
  }
  /// As above, checking that `values` holds exactly product(dims) values.
  template <class T>
  rust::Vec<std::uint8_t> compress(const std::vector<T> &values, const std::vector<std::size_t> &dims,
                                   Order order = Order::C) const {
    if (values.size() != detail::product(dims))
      throw Error(PLUME_ERR_INVALID_ARGUMENT, "the vector's size differs from the product of dims");
    return compress(values.data(), dims, order);
  }
#ifdef PLUME_HPP_SPAN
  template <class T>
  rust::Vec<std::uint8_t> compress(std::span<const T> values, const std::vector<std::size_t> &dims,
                                   Order order = Order::C) const {
    rust::Vec<std::uint8_t> stream;
    detail::check(try_compress(values, dims, order, stream));
    return stream;
  }
#endif
#endif

 private:
  Codec(const Config &cfg, const std::string &field, std::nullptr_t) noexcept
      : inner_(make_inner(cfg, field, created_)) {}

  static rust::Box<bridge::Codec> make_inner(const Config &cfg, const std::string &field, Status &created) noexcept {
    rust::String m;
    std::uint32_t code = PLUME_OK;
    rust::Box<bridge::Codec> b = bridge::codec_new(cfg.bridge(), field, code, m);
    created = detail::status(code, m);
    return b;
  }

  Status created_;
  rust::Box<bridge::Codec> inner_;
};

/// Flame-regime labels (ids 0..PLUME_N_CLASSES-1: premixed flame, non-premixed flame,
/// pure fuel, pure air, unburned mixture) with the `label.<param>` thresholds of a Config.
/// Movable, not copyable; thread-safe to share.
class Labeler {
 public:
#ifdef PLUME_HPP_EXCEPTIONS
  explicit Labeler(const Config &cfg) : Labeler(cfg, nullptr) { detail::check(created_); }
#endif
  /// noexcept construction: `status` receives the outcome.
  static Labeler make(const Config &cfg, Status &status) noexcept {
    Labeler l(cfg, nullptr);
    status = l.created_;
    return l;
  }

  /// Labels product(dims) cells from Y_H2, Y_O2, Y_H2O and Z (`z` nullptr: Bilger's Z
  /// from the species) into `labels` (exactly `count` = product(dims) bytes).
  template <class T>
  Status try_label(const T *y_h2, const T *y_o2, const T *y_h2o, const T *z, const std::vector<std::size_t> &dims,
                   Order order, std::uint8_t *labels, std::size_t count) const noexcept {
    (void)detail::dtype_of<T>();
    std::size_t n = detail::product(dims);
    rust::String m;
    return detail::status(
        detail::label(*inner_, rust::Slice<const T>(y_h2, n), rust::Slice<const T>(y_o2, n),
                      rust::Slice<const T>(y_h2o, n), rust::Slice<const T>(z, z ? n : 0), detail::dims_slice(dims),
                      static_cast<std::uint32_t>(order), rust::Slice<std::uint8_t>(labels, count), m),
        m);
  }

#ifdef PLUME_HPP_EXCEPTIONS
  template <class T>
  std::vector<std::uint8_t> label(const T *y_h2, const T *y_o2, const T *y_h2o, const T *z,
                                  const std::vector<std::size_t> &dims, Order order = Order::C) const {
    std::vector<std::uint8_t> out(detail::product(dims));
    detail::check(try_label(y_h2, y_o2, y_h2o, z, dims, order, out.data(), out.size()));
    return out;
  }
#endif

 private:
  Labeler(const Config &cfg, std::nullptr_t) noexcept : inner_(make_inner(cfg, created_)) {}
  static rust::Box<bridge::Labeler> make_inner(const Config &cfg, Status &created) noexcept {
    rust::String m;
    std::uint32_t code = PLUME_OK;
    rust::Box<bridge::Labeler> b = bridge::labeler_new(cfg.bridge(), code, m);
    created = detail::status(code, m);
    return b;
  }

  Status created_;
  rust::Box<bridge::Labeler> inner_;
};

/// The fraction of cells whose class differs between `reference` and `recomputed` (n ids
/// each), and per reference class into `per_class` when non-null (NaN: class absent).
inline Status try_label_error(const std::uint8_t *reference, const std::uint8_t *recomputed, std::size_t n,
                              double &error_fraction, std::vector<double> *per_class = nullptr) noexcept {
  rust::String m;
  rust::Vec<double> pc;
  double f = 0;
  Status s = detail::status(bridge::label_error(rust::Slice<const std::uint8_t>(reference, n),
                                                rust::Slice<const std::uint8_t>(recomputed, n), f, pc, m),
                            m);
  if (s.ok()) {
    error_fraction = f;
    if (per_class) per_class->assign(pc.begin(), pc.end());
  }
  return s;
}

#ifdef PLUME_HPP_EXCEPTIONS
inline double label_error(const std::vector<std::uint8_t> &reference, const std::vector<std::uint8_t> &recomputed,
                          std::vector<double> *per_class = nullptr) {
  if (reference.size() != recomputed.size())
    throw Error(PLUME_ERR_INVALID_ARGUMENT, "label arrays of different lengths");
  double f = 0;
  detail::check(try_label_error(reference.data(), recomputed.data(), reference.size(), f, per_class));
  return f;
}
#endif

/// Decompresses a whole stream into `out`, which holds exactly the stream's value count.
template <class T>
Status try_decompress(const std::uint8_t *stream, std::size_t len, T *out, std::size_t count) noexcept {
  (void)detail::dtype_of<T>();
  rust::String m;
  return detail::status(detail::decompress(rust::Slice<const std::uint8_t>(stream, len), rust::Slice<T>(out, count), m),
                        m);
}

/// Decompresses the box start[a] .. start[a] + extent[a] (0-based, the field's dims
/// convention) into `out` (exactly the box's volume, in the field's order).
template <class T>
Status try_decompress_region(const std::uint8_t *stream, std::size_t len, const std::vector<std::size_t> &start,
                             const std::vector<std::size_t> &extent, T *out, std::size_t count) noexcept {
  (void)detail::dtype_of<T>();
  rust::String m;
  return detail::status(detail::region(rust::Slice<const std::uint8_t>(stream, len), detail::dims_slice(start),
                                       detail::dims_slice(extent), rust::Slice<T>(out, count), m),
                        m);
}

/// Reads a stream's header and block table.
inline Status try_inspect(const std::uint8_t *stream, std::size_t len, StreamInfo &info) noexcept {
  rust::String m;
  return detail::status(bridge::inspect(rust::Slice<const std::uint8_t>(stream, len), info, m), m);
}

/// Quality metrics of `decompressed` against `original` (both product(dims) values).
template <class T>
Status try_compare(const T *original, const T *decompressed, const std::vector<std::size_t> &dims, Order order,
                   std::size_t compressed_bytes, Metrics &metrics) noexcept {
  (void)detail::dtype_of<T>();
  rust::String m;
  rust::Vec<bridge::Metric> list;
  std::size_t n = detail::product(dims);
  Status s = detail::status(detail::compare(rust::Slice<const T>(original, n), rust::Slice<const T>(decompressed, n),
                                            detail::dims_slice(dims), static_cast<std::uint32_t>(order),
                                            compressed_bytes, list, m),
                            m);
  if (s.ok()) {
    metrics.clear();
    for (const auto &entry : list) metrics[static_cast<std::string>(entry.name)] = entry.value;
  }
  return s;
}

#ifdef PLUME_HPP_EXCEPTIONS
inline StreamInfo inspect(const std::uint8_t *stream, std::size_t len) {
  StreamInfo info;
  detail::check(try_inspect(stream, len, info));
  return info;
}

/// Decompresses a whole stream of `T` (float or double) into a new vector.
template <class T>
std::vector<T> decompress(const std::uint8_t *stream, std::size_t len) {
  StreamInfo info = inspect(stream, len);
  if (info.dtype != static_cast<std::uint32_t>(detail::dtype_of<T>()))
    throw Error(PLUME_ERR_INVALID_ARGUMENT, "the stream holds the other element type");
  std::vector<T> out(info.n_values);
  detail::check(try_decompress(stream, len, out.data(), out.size()));
  return out;
}

template <class T>
std::vector<T> decompress_region(const std::uint8_t *stream, std::size_t len, const std::vector<std::size_t> &start,
                                 const std::vector<std::size_t> &extent) {
  std::vector<T> out(detail::product(extent));
  detail::check(try_decompress_region(stream, len, start, extent, out.data(), out.size()));
  return out;
}

template <class T>
Metrics compare(const T *original, const T *decompressed, const std::vector<std::size_t> &dims,
                Order order = Order::C, std::size_t compressed_bytes = 0) {
  Metrics m;
  detail::check(try_compare(original, decompressed, dims, order, compressed_bytes, m));
  return m;
}
#endif

#ifdef MPI_VERSION
/// An in-situ session over an MPI communicator (plume_session of plume.h, through
/// plume_mpi.h's shim). Available when <mpi.h> is included before plume.hpp. Move-only;
/// the destructor flushes, prints the profile on rank 0 and frees (collective: let every
/// rank destroy it before MPI_Finalize). Not thread-safe (one thread per session).
///
///   plume::Session s(MPI_COMM_WORLD, "solver.cfg");          // key = value deck
///   s.begin_step(step, t);
///   s.put("Y_H2", y_h2.data(), local, offset, global, /*ghost=*/1);   // C order dims
///   s.end_step();                                               // collective
class Session {
 public:
  /// Collective over comm; deck may be nullptr.
  static Status try_open(MPI_Comm comm, const char *deck, Session &out) noexcept {
    plume_session *p = nullptr;
    std::uint32_t code = plume_session_new_f(static_cast<int>(MPI_Comm_c2f(comm)), deck, &p);
    if (code != PLUME_OK) return Status{code, plume_session_new_error()};
    out.reset();
    out.p_ = p;
    return Status{};
  }
  Session() noexcept = default;
#ifdef PLUME_HPP_EXCEPTIONS
  Session(MPI_Comm comm, const char *deck) { detail::check(try_open(comm, deck, *this)); }
#endif
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  Session(Session &&o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  Session &operator=(Session &&o) noexcept {
    if (this != &o) {
      reset();
      p_ = o.p_;
      o.p_ = nullptr;
    }
    return *this;
  }
  ~Session() { reset(); }

  Status try_begin_step(std::int64_t step, double time) noexcept {
    return result(plume_session_begin_step(p_, step, time));
  }
  /// values: the block with `ghost` layers on every side; dims in `order`'s axis order.
  template <class T>
  Status try_put(const char *name, const T *values, const std::vector<std::size_t> &local,
                 const std::vector<std::size_t> &offset, const std::vector<std::size_t> &global,
                 std::size_t ghost = 0, Order order = Order::C) noexcept {
    if (local.size() != offset.size() || local.size() != global.size())
      return Status{PLUME_ERR_INVALID_ARGUMENT, "local, offset and global dims differ in length"};
    std::uint32_t o = static_cast<std::uint32_t>(order);
    if (std::is_same<T, float>::value)
      return result(plume_session_put_f32(p_, name, reinterpret_cast<const float *>(values), local.size(),
                                          local.data(), offset.data(), global.data(), o, ghost));
    return result(plume_session_put_f64(p_, name, reinterpret_cast<const double *>(values), local.size(),
                                        local.data(), offset.data(), global.data(), o, ghost));
  }
  Status try_end_step() noexcept { return result(plume_session_end_step(p_)); }
  /// Cell-centre coordinates of global axis `axis` (0-based, in the order of the global dims
  /// given to put) for the labeler's gradients on stretched grids (plume_session_set_coords).
  Status set_coords(std::size_t axis, const std::vector<double> &coords) noexcept {
    return result(plume_session_set_coords(p_, axis, coords.data(), coords.size()));
  }
  /// Region callbacks around every stage (plume_session_set_regions): forward them to
  /// Caliper or NVTX. nullptr for both removes them.
  Status set_regions(plume_region_fn begin, plume_region_fn end, void *user_data = nullptr) noexcept {
    return result(plume_session_set_regions(p_, begin, end, user_data));
  }
  /// Flushes and frees now (collective); later calls fail with a NULL-pointer status.
  Status try_close() noexcept {
    std::uint32_t code = plume_session_free(p_);
    p_ = nullptr;
    return code == PLUME_OK ? Status{} : Status{code, plume_status_str(code)};
  }
#ifdef PLUME_HPP_EXCEPTIONS
  void begin_step(std::int64_t step, double time) { detail::check(try_begin_step(step, time)); }
  template <class T>
  void put(const char *name, const T *values, const std::vector<std::size_t> &local,
           const std::vector<std::size_t> &offset, const std::vector<std::size_t> &global, std::size_t ghost = 0,
           Order order = Order::C) {
    detail::check(try_put(name, values, local, offset, global, ghost, order));
  }
  void end_step() { detail::check(try_end_step()); }
  void close() { detail::check(try_close()); }
#endif

 private:
  Status result(std::uint32_t code) const {
    return code == PLUME_OK ? Status{} : Status{code, p_ ? plume_session_last_error(p_) : "session is closed"};
  }
  void reset() noexcept {
    if (p_) plume_session_free(p_);
    p_ = nullptr;
  }
  plume_session *p_ = nullptr;
};
#endif  // MPI_VERSION

}  // namespace plume

#endif  // PLUME_HPP
