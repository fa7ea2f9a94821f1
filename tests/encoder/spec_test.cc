#include "encoder/spec.h"

#include <string>

#include <gtest/gtest.h>

#include "util/error.h"

using namespace captioner::encoder;

namespace {

std::string parse_error(const std::string& spec) {
  try {
    parse_spec(spec);
  } catch (const captioner::InputError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(Spec, ParsesEveryLayerOfTheLanguage) {
  const auto layers = parse_spec(
      "conv3x32 conv5x16s2p2 pool2 pool3s2 avgpool2 avgpool3s1 gap fc512 relu lrelu sigmoid tanh elu maxout2 bn "
      "dropout0.25");
  ASSERT_EQ(layers.size(), 16u);
  EXPECT_EQ(layers[0].kind, LayerKind::kConv);
  EXPECT_EQ(layers[0].filter, 3);
  EXPECT_EQ(layers[0].count, 32);
  EXPECT_EQ(layers[0].stride, 1);
  EXPECT_EQ(layers[0].padding, 0);
  EXPECT_EQ(layers[1].filter, 5);
  EXPECT_EQ(layers[1].count, 16);
  EXPECT_EQ(layers[1].stride, 2);
  EXPECT_EQ(layers[1].padding, 2);
  EXPECT_EQ(layers[2].kind, LayerKind::kMaxPool);
  EXPECT_EQ(layers[2].filter, 2);
  EXPECT_EQ(layers[2].stride, 2);  // defaults to F
  EXPECT_EQ(layers[3].filter, 3);
  EXPECT_EQ(layers[3].stride, 2);
  EXPECT_EQ(layers[4].kind, LayerKind::kAvgPool);
  EXPECT_EQ(layers[4].stride, 2);
  EXPECT_EQ(layers[5].stride, 1);
  EXPECT_EQ(layers[6].kind, LayerKind::kGlobalAvgPool);
  EXPECT_EQ(layers[7].kind, LayerKind::kFullyConnected);
  EXPECT_EQ(layers[7].count, 512);
  EXPECT_EQ(layers[8].kind, LayerKind::kRelu);
  EXPECT_EQ(layers[9].kind, LayerKind::kLeakyRelu);
  EXPECT_EQ(layers[10].kind, LayerKind::kSigmoid);
  EXPECT_EQ(layers[11].kind, LayerKind::kTanh);
  EXPECT_EQ(layers[12].kind, LayerKind::kElu);
  EXPECT_EQ(layers[13].kind, LayerKind::kMaxout);
  EXPECT_EQ(layers[13].count, 2);
  EXPECT_EQ(layers[14].kind, LayerKind::kBatchNorm);
  EXPECT_EQ(layers[15].kind, LayerKind::kDropout);
  EXPECT_DOUBLE_EQ(layers[15].probability, 0.25);
  EXPECT_EQ(layers[15].token, "dropout0.25");
}

TEST(Spec, AnyWhitespaceSeparatesLayers) {
  const auto layers = parse_spec("  conv3x8p1\trelu\n pool2   fc10 ");
  ASSERT_EQ(layers.size(), 4u);
  EXPECT_EQ(layers[3].token, "fc10");
  EXPECT_EQ(parse_spec("conv3x8p1 dropout.5 dropout0")[1].probability, 0.5);
}

TEST(Spec, ErrorsNameTheLayerPositionAndToken) {
  EXPECT_EQ(parse_error("conv3x8 rleu"),
            "encoder spec: layer 2 'rleu': unknown layer (expected conv<F>x<K>[s<S>][p<P>], pool<F>[s<S>], "
            "avgpool<F>[s<S>], gap, fc<N>, relu, lrelu, sigmoid, tanh, elu, maxout<k>, bn or dropout<p>)");
  EXPECT_EQ(parse_error("relu conv3x"), "encoder spec: layer 2 'conv3x': expected conv<F>x<K>[s<S>][p<P>], e.g. conv3x32p1");
  EXPECT_EQ(parse_error("conv3"), "encoder spec: layer 1 'conv3': expected conv<F>x<K>[s<S>][p<P>], e.g. conv3x32p1");
  EXPECT_EQ(parse_error("conv3x8p1s2"),
            "encoder spec: layer 1 'conv3x8p1s2': expected conv<F>x<K>[s<S>][p<P>], e.g. conv3x32p1");
  EXPECT_EQ(parse_error("conv3x-8"), "encoder spec: layer 1 'conv3x-8': expected conv<F>x<K>[s<S>][p<P>], e.g. conv3x32p1");
  EXPECT_EQ(parse_error("conv0x8"), "encoder spec: layer 1 'conv0x8': the filter size F must be at least 1");
  EXPECT_EQ(parse_error("conv3x0"), "encoder spec: layer 1 'conv3x0': a conv layer needs at least 1 filter");
  EXPECT_EQ(parse_error("conv3x8s0"), "encoder spec: layer 1 'conv3x8s0': the stride S must be at least 1");
  EXPECT_EQ(parse_error("conv3x99999999"),
            "encoder spec: layer 1 'conv3x99999999': expected conv<F>x<K>[s<S>][p<P>], e.g. conv3x32p1");
  EXPECT_EQ(parse_error("conv3x8 pool"), "encoder spec: layer 2 'pool': expected pool<F>[s<S>], e.g. pool2 or pool3s2");
  EXPECT_EQ(parse_error("pool2s0"), "encoder spec: layer 1 'pool2s0': the stride S must be at least 1");
  EXPECT_EQ(parse_error("avgpool2x"), "encoder spec: layer 1 'avgpool2x': expected avgpool<F>[s<S>], e.g. avgpool2");
  EXPECT_EQ(parse_error("gap fc"), "encoder spec: layer 2 'fc': expected fc<N>, e.g. fc256");
  EXPECT_EQ(parse_error("fc0"), "encoder spec: layer 1 'fc0': an fc layer needs at least 1 output");
  EXPECT_EQ(parse_error("maxout1"), "encoder spec: layer 1 'maxout1': maxout needs at least 2 pieces");
  EXPECT_EQ(parse_error("dropout1"), "encoder spec: layer 1 'dropout1': the dropout probability must be below 1");
  EXPECT_EQ(parse_error("dropout1e-3"),
            "encoder spec: layer 1 'dropout1e-3': expected dropout<p> with p in [0, 1), e.g. dropout0.5");
  EXPECT_EQ(parse_error("dropoutnan"),
            "encoder spec: layer 1 'dropoutnan': expected dropout<p> with p in [0, 1), e.g. dropout0.5");
  EXPECT_EQ(parse_error("RELU").rfind("encoder spec: layer 1 'RELU': unknown layer (expected ", 0), 0u);  // case matters
  EXPECT_EQ(parse_error("   "), "encoder spec: empty (expected layers such as \"conv3x32p1 relu pool2 fc256\")");
}

}  // namespace
