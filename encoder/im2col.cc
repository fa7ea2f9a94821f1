#include "encoder/im2col.h"

#include <algorithm>

namespace captioner::encoder {
namespace {

// First and one-past-last output positions x for which x * stride + offset lies in [0, size).
void valid_range(int64_t offset, int64_t stride, int64_t size, int64_t count, int64_t& begin, int64_t& end) {
  // x * stride + offset >= 0  <=>  x >= ceil(-offset / stride)
  begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  // x * stride + offset <= size - 1  <=>  x <= floor((size - 1 - offset) / stride)
  const int64_t last = size - 1 - offset;
  end = last < 0 ? 0 : last / stride + 1;
  begin = std::min(begin, count);
  end = std::clamp(end, begin, count);
}

template <typename T>
void dense_rows(const T* source, const Im2colGeometry& g, T* cols, int64_t row_stride) {
  const int64_t plane = g.height * g.width;
  for (int64_t c = 0; c < g.channels; ++c) {
    for (int64_t i = 0; i < g.kernel_height; ++i) {
      for (int64_t j = 0; j < g.kernel_width; ++j) {
        T* row = cols + ((c * g.kernel_height + i) * g.kernel_width + j) * row_stride;
        int64_t x_begin = 0, x_end = 0;
        valid_range(j - g.pad_left, g.stride, g.width, g.out_width, x_begin, x_end);
        for (int64_t y = 0; y < g.out_height; ++y) {
          T* out = row + y * g.out_width;
          const int64_t source_y = y * g.stride + i - g.pad_top;
          if (source_y < 0 || source_y >= g.height) {
            std::fill(out, out + g.out_width, T(0));
            continue;
          }
          const T* in = source + c * plane + source_y * g.width;
          const int64_t offset = j - g.pad_left;  // source column of x = 0
          std::fill(out, out + x_begin, T(0));
          if (g.stride == 1) {
            std::copy(in + x_begin + offset, in + x_end + offset, out + x_begin);
          } else {
            for (int64_t x = x_begin; x < x_end; ++x) out[x] = in[x * g.stride + offset];
          }
          std::fill(out + x_end, out + g.out_width, T(0));
        }
      }
    }
  }
}

// With input dilation d: a padded position p holds source pixel p / d when p % d == 0.
template <typename T>
void dilated_rows(const T* source, const Im2colGeometry& g, T* cols, int64_t row_stride) {
  const int64_t d = g.input_dilation;
  const int64_t plane = g.height * g.width;
  for (int64_t c = 0; c < g.channels; ++c) {
    for (int64_t i = 0; i < g.kernel_height; ++i) {
      for (int64_t j = 0; j < g.kernel_width; ++j) {
        T* row = cols + ((c * g.kernel_height + i) * g.kernel_width + j) * row_stride;
        for (int64_t y = 0; y < g.out_height; ++y) {
          T* out = row + y * g.out_width;
          const int64_t py = y * g.stride + i - g.pad_top;
          if (py < 0 || py % d != 0 || py / d >= g.height) {
            std::fill(out, out + g.out_width, T(0));
            continue;
          }
          const T* in = source + c * plane + (py / d) * g.width;
          for (int64_t x = 0; x < g.out_width; ++x) {
            const int64_t px = x * g.stride + j - g.pad_left;
            out[x] = (px < 0 || px % d != 0 || px / d >= g.width) ? T(0) : in[px / d];
          }
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void im2col(const T* source, const Im2colGeometry& geometry, T* cols, int64_t row_stride) {
  if (geometry.input_dilation == 1) {
    dense_rows(source, geometry, cols, row_stride);
  } else {
    dilated_rows(source, geometry, cols, row_stride);
  }
}

template void im2col<float>(const float*, const Im2colGeometry&, float*, int64_t);
template void im2col<double>(const double*, const Im2colGeometry&, double*, int64_t);

}  // namespace captioner::encoder
