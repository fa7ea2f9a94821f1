#pragma once
// The encoder's own layers (conv, pooling, fc, maxout, gap); activations, bn and dropout
// are LibTorch's modules. Every layer maps N x D x H x W to N x D' x H' x W' (an fc layer
// gives N x O x 1 x 1), so any layer may follow any other.

#include <torch/torch.h>

#include "encoder/init.h"
#include "encoder/options.h"
#include "encoder/plan.h"
#include "encoder/spec.h"

namespace captioner::encoder {

// conv<F>x<K>[s<S>][p<P>]: weight K x D x F x F, bias K.
class ConvLayerImpl : public torch::nn::Module {
 public:
  ConvLayerImpl(int64_t input_depth, const LayerSpec& spec, Backend backend, InitScheme init);
  torch::Tensor forward(const torch::Tensor& input);

  torch::Tensor weight;
  torch::Tensor bias;

 private:
  int64_t stride_;
  int64_t padding_;
  Backend backend_;
};
TORCH_MODULE(ConvLayer);

// pool<F>[s<S>] and avgpool<F>[s<S>].
class PoolLayerImpl : public torch::nn::Module {
 public:
  PoolLayerImpl(const LayerSpec& spec, Backend backend);
  torch::Tensor forward(const torch::Tensor& input);

 private:
  bool average_;
  int64_t window_;
  int64_t stride_;
  Backend backend_;
};
TORCH_MODULE(PoolLayer);

// gap: N x D x H x W -> N x D x 1 x 1.
class GlobalAvgPoolImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& input);
};
TORCH_MODULE(GlobalAvgPool);

// fc<N> over a planned input volume H x W x D: weight N x (D*H*W) (LibTorch's flattening
// order), bias N. On an input of the planned size it is a matrix product; on a larger one
// it is the equal conv (FC-as-conv: F = H x W, stride 1, the weight viewed as N x D x H x W),
// one output per position where the planned input fits.
class FullyConnectedImpl : public torch::nn::Module {
 public:
  FullyConnectedImpl(const Volume& input, int64_t outputs, Backend backend, InitScheme init);
  torch::Tensor forward(const torch::Tensor& input);
  // The same weights as a conv layer's (FC-as-conv).
  torch::Tensor conv_weight() const;

  torch::Tensor weight;
  torch::Tensor bias;

 private:
  Volume input_;
  Backend backend_;
};
TORCH_MODULE(FullyConnected);

// maxout<k>: channel c of the output is the max over input channels c*k .. c*k + k-1.
class MaxoutImpl : public torch::nn::Module {
 public:
  explicit MaxoutImpl(int64_t pieces);
  torch::Tensor forward(const torch::Tensor& input);

 private:
  int64_t pieces_;
};
TORCH_MODULE(Maxout);

}  // namespace captioner::encoder
