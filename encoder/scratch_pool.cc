#include "encoder/scratch_pool.h"

#include <cmath>

#include "util/torch_parallel.h"

namespace captioner::encoder {
namespace {

using torch::Tensor;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct PoolShape {
  int64_t planes, height, width;  // planes = N * C
  int64_t window, stride;
  int64_t out_height, out_width;

  PoolShape(const Tensor& input, int64_t window_, int64_t stride_)
      : planes(input.size(0) * input.size(1)),
        height(input.size(2)),
        width(input.size(3)),
        window(window_),
        stride(stride_),
        out_height((height - window) / stride + 1),
        out_width((width - window) / stride + 1) {}
};

void check_arguments(const char* name, const Tensor& input, int64_t window, int64_t stride) {
  TORCH_CHECK(input.dim() == 4, name, ": input must be N x C x H x W");
  TORCH_CHECK(input.scalar_type() == torch::kFloat || input.scalar_type() == torch::kDouble, name,
              ": float32 or float64 only");
  TORCH_CHECK(input.device().is_cpu(), name, ": CPU tensors only");
  TORCH_CHECK(window >= 1 && stride >= 1, name, ": window and stride must be >= 1");
  TORCH_CHECK(input.size(2) >= window && input.size(3) >= window, name, ": the window is larger than the input");
}

// Runs work(plane) over every image's every channel, in parallel.
template <typename Work>
void for_each_plane(int64_t planes, Work work) {
  parallel_for_with_caller_state(0, planes, 16, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) work(plane);
  });
}

class ScratchMaxPoolFunction : public torch::autograd::Function<ScratchMaxPoolFunction> {
 public:
  static Tensor forward(AutogradContext* context, const Tensor& input, int64_t window, int64_t stride) {
    const Tensor x = input.contiguous();
    const PoolShape s(x, window, stride);
    Tensor output = torch::empty({x.size(0), x.size(1), s.out_height, s.out_width}, x.options());
    // Where each maximum came from: its index in the input plane.
    Tensor argmax = torch::empty(output.sizes(), x.options().dtype(torch::kLong));
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "scratch_max_pool2d", [&] {
      const scalar_t* in = x.data_ptr<scalar_t>();
      scalar_t* out = output.data_ptr<scalar_t>();
      int64_t* where = argmax.data_ptr<int64_t>();
      for_each_plane(s.planes, [&](int64_t plane) {
        const scalar_t* source = in + plane * s.height * s.width;
        const int64_t base = plane * s.out_height * s.out_width;
        for (int64_t y = 0; y < s.out_height; ++y) {
          for (int64_t x_out = 0; x_out < s.out_width; ++x_out) {
            int64_t best = (y * s.stride) * s.width + x_out * s.stride;
            scalar_t best_value = source[best];
            for (int64_t i = 0; i < s.window; ++i) {
              for (int64_t j = 0; j < s.window; ++j) {
                const int64_t at = (y * s.stride + i) * s.width + x_out * s.stride + j;
                const scalar_t value = source[at];
                if (value > best_value || std::isnan(value)) {  // NaN propagates, as in LibTorch
                  best = at;
                  best_value = value;
                }
              }
            }
            out[base + y * s.out_width + x_out] = best_value;
            where[base + y * s.out_width + x_out] = best;
          }
        }
      });
    });
    context->save_for_backward({argmax});
    context->saved_data["height"] = x.size(2);
    context->saved_data["width"] = x.size(3);
    return output;
  }

  static tensor_list backward(AutogradContext* context, tensor_list grad_outputs) {
    const Tensor argmax = context->get_saved_variables()[0];
    const Tensor dy = grad_outputs[0].contiguous();
    const int64_t height = context->saved_data["height"].toInt();
    const int64_t width = context->saved_data["width"].toInt();
    Tensor dx = torch::zeros({dy.size(0), dy.size(1), height, width}, dy.options());
    const int64_t planes = dy.size(0) * dy.size(1);
    const int64_t out_plane = dy.size(2) * dy.size(3);
    AT_DISPATCH_FLOATING_TYPES(dy.scalar_type(), "scratch_max_pool2d_backward", [&] {
      const scalar_t* gradient = dy.data_ptr<scalar_t>();
      const int64_t* where = argmax.data_ptr<int64_t>();
      scalar_t* result = dx.data_ptr<scalar_t>();
      for_each_plane(planes, [&](int64_t plane) {
        scalar_t* target = result + plane * height * width;
        // Overlapping windows (stride < F) may pick the same pixel: gradients add up.
        for (int64_t k = plane * out_plane; k < (plane + 1) * out_plane; ++k) target[where[k]] += gradient[k];
      });
    });
    return {dx, Tensor(), Tensor()};
  }
};

class ScratchAvgPoolFunction : public torch::autograd::Function<ScratchAvgPoolFunction> {
 public:
  static Tensor forward(AutogradContext* context, const Tensor& input, int64_t window, int64_t stride) {
    const Tensor x = input.contiguous();
    const PoolShape s(x, window, stride);
    Tensor output = torch::empty({x.size(0), x.size(1), s.out_height, s.out_width}, x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "scratch_avg_pool2d", [&] {
      const scalar_t* in = x.data_ptr<scalar_t>();
      scalar_t* out = output.data_ptr<scalar_t>();
      const scalar_t area = static_cast<scalar_t>(s.window * s.window);
      for_each_plane(s.planes, [&](int64_t plane) {
        const scalar_t* source = in + plane * s.height * s.width;
        scalar_t* target = out + plane * s.out_height * s.out_width;
        for (int64_t y = 0; y < s.out_height; ++y) {
          for (int64_t x_out = 0; x_out < s.out_width; ++x_out) {
            scalar_t sum = 0;
            for (int64_t i = 0; i < s.window; ++i)
              for (int64_t j = 0; j < s.window; ++j) sum += source[(y * s.stride + i) * s.width + x_out * s.stride + j];
            target[y * s.out_width + x_out] = sum / area;
          }
        }
      });
    });
    context->saved_data["height"] = x.size(2);
    context->saved_data["width"] = x.size(3);
    context->saved_data["window"] = window;
    context->saved_data["stride"] = stride;
    return output;
  }

  static tensor_list backward(AutogradContext* context, tensor_list grad_outputs) {
    const Tensor dy = grad_outputs[0].contiguous();
    const int64_t height = context->saved_data["height"].toInt();
    const int64_t width = context->saved_data["width"].toInt();
    const int64_t window = context->saved_data["window"].toInt();
    const int64_t stride = context->saved_data["stride"].toInt();
    Tensor dx = torch::zeros({dy.size(0), dy.size(1), height, width}, dy.options());
    const int64_t planes = dy.size(0) * dy.size(1);
    const int64_t out_height = dy.size(2), out_width = dy.size(3);
    AT_DISPATCH_FLOATING_TYPES(dy.scalar_type(), "scratch_avg_pool2d_backward", [&] {
      const scalar_t* gradient = dy.data_ptr<scalar_t>();
      scalar_t* result = dx.data_ptr<scalar_t>();
      const scalar_t area = static_cast<scalar_t>(window * window);
      for_each_plane(planes, [&](int64_t plane) {
        const scalar_t* source = gradient + plane * out_height * out_width;
        scalar_t* target = result + plane * height * width;
        for (int64_t y = 0; y < out_height; ++y) {
          for (int64_t x_out = 0; x_out < out_width; ++x_out) {
            const scalar_t share = source[y * out_width + x_out] / area;
            for (int64_t i = 0; i < window; ++i)
              for (int64_t j = 0; j < window; ++j) target[(y * stride + i) * width + x_out * stride + j] += share;
          }
        }
      });
    });
    return {dx, Tensor(), Tensor()};
  }
};

}  // namespace

Tensor scratch_max_pool2d(const Tensor& input, int64_t window, int64_t stride) {
  check_arguments("scratch_max_pool2d", input, window, stride);
  return ScratchMaxPoolFunction::apply(input, window, stride);
}

Tensor scratch_avg_pool2d(const Tensor& input, int64_t window, int64_t stride) {
  check_arguments("scratch_avg_pool2d", input, window, stride);
  return ScratchAvgPoolFunction::apply(input, window, stride);
}

}  // namespace captioner::encoder
