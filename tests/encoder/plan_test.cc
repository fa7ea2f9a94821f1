#include "encoder/plan.h"

#include <string>

#include <gtest/gtest.h>

#include "encoder/options.h"
#include "encoder/spec.h"
#include "util/error.h"

using namespace captioner::encoder;

namespace {

EncoderPlan plan(const std::string& spec, int64_t size) { return plan_encoder(parse_spec(spec), size); }

std::string plan_error(const std::string& spec, int64_t size) {
  try {
    plan(spec, size);
  } catch (const captioner::InputError& error) {
    return error.what();
  }
  return "(no error)";
}

std::string plan_at_error(const std::string& spec, int64_t size, int64_t height, int64_t width) {
  const EncoderPlan trained = plan(spec, size);
  try {
    plan_encoder_at(trained, height, width);
  } catch (const captioner::InputError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(Plan, TheSeedsExample) {
  // 32x32x3 -> conv 32x32x12 -> relu -> pool 16x16x12 -> FC 1x1x10.
  const EncoderPlan p = plan("conv3x12p1 relu pool2 fc10", 32);
  ASSERT_EQ(p.layers.size(), 4u);
  EXPECT_EQ(p.input.str(), "32x32x3");
  EXPECT_EQ(p.layers[0].output.str(), "32x32x12");
  EXPECT_EQ(p.layers[1].output.str(), "32x32x12");
  EXPECT_EQ(p.layers[2].output.str(), "16x16x12");
  EXPECT_EQ(p.layers[3].output.str(), "1x1x10");
  EXPECT_EQ(p.layers[0].parameters, 3 * 3 * 3 * 12 + 12);  // F*F*D*K + K
  EXPECT_EQ(p.layers[3].parameters, 16 * 16 * 12 * 10 + 10);
  EXPECT_EQ(p.layers[0].flops, 2 * 3 * 3 * 3 * 12 * 32 * 32);
  EXPECT_EQ(p.parameters(), 336 + 30730);
  EXPECT_EQ(p.feature_size(), 10);
  EXPECT_EQ(format_plan(p),
            "#  layer       output    params  MFLOP\n"
            "0  input       32x32x3\n"
            "1  conv3x12p1  32x32x12     336   0.66\n"
            "2  relu        32x32x12\n"
            "3  pool2       16x16x12\n"
            "4  fc10        1x1x10     30730   0.06\n"
            "total: 31066 parameters, 0.72 MFLOP per image (forward; a multiply-add is 2 FLOP), feature vector 10\n");
}

TEST(Plan, TheSeedsStridedConvAndEveryLayerKind) {
  // The seed's 11 x 11 x 4 input, F = 5, S = 2, no padding: (11 - 5)/2 + 1 = 4.
  EXPECT_EQ(plan_encoder(parse_spec("conv5x6s2 gap"), 11).layers[0].output.str(), "4x4x6");
  // The seed's im2col example: 227 x 227 x 3, 96 filters of 11 x 11 at stride 4 -> 55 x 55 x 96.
  const EncoderPlan alex = plan("conv11x96s4 relu pool3s2 gap", 227);
  EXPECT_EQ(alex.layers[0].output.str(), "55x55x96");
  EXPECT_EQ(alex.layers[0].parameters, 11 * 11 * 3 * 96 + 96);
  EXPECT_EQ(alex.layers[2].output.str(), "27x27x96");
  const EncoderPlan all = plan("conv3x16p1 bn lrelu avgpool2 conv3x16p1 maxout4 dropout0.5 gap fc20 tanh fc8 sigmoid", 8);
  EXPECT_EQ(all.layers[1].parameters, 32);  // bn: a scale and a shift per channel
  EXPECT_EQ(all.layers[3].output.str(), "4x4x16");
  EXPECT_EQ(all.layers[5].output.str(), "4x4x4");
  EXPECT_EQ(all.layers[7].output.str(), "1x1x4");
  EXPECT_EQ(all.layers[8].parameters, 4 * 20 + 20);
  EXPECT_EQ(all.feature_size(), 8);
}

TEST(Plan, TheDefaultSpec) {
  const EncoderOptions options;
  const EncoderPlan p = plan(options.spec, options.image_size);
  EXPECT_EQ(p.output().str(), "1x1x256");
  // ... pool2 -> 4x4x128, fc256 -> 1x1x256, bn: the features batch-normalised.
  EXPECT_EQ(p.layers[p.layers.size() - 3].output.str(), "4x4x128");
  EXPECT_EQ(p.layers.back().spec.kind, captioner::encoder::LayerKind::kBatchNorm);
  // conv: 2 * F*F*D*K * H2*W2 per image.
  const int64_t conv = 2 * 9 * (3 * 16 * 64 * 64 + 16 * 32 * 32 * 32 + 32 * 64 * 16 * 16 + 64 * 128 * 8 * 8);
  EXPECT_EQ(p.flops(), conv + 2 * 4 * 4 * 128 * 256);
}

TEST(Plan, InexactDivisionNamesTheLayerAndTheNumbers) {
  EXPECT_EQ(plan_error("conv3x8 relu pool2 fc10", 32), "(no error)");  // 30 halves exactly
  EXPECT_EQ(plan_error("conv3x8 relu pool2 pool2 fc10", 32),
            "encoder spec: layer 4 'pool2' on 15x15x8: (15 - 2 + 2*0)/2 + 1 = 7.5 is not a whole number");
  EXPECT_EQ(plan_error("conv4x8s2p1 fc10", 31),
            "encoder spec: layer 1 'conv4x8s2p1' on 31x31x3: (31 - 4 + 2*1)/2 + 1 = 15.5 is not a whole number");
  // The seed: an 11 x 11 input with F = 5 fits stride 3 but not stride 4.
  EXPECT_EQ(plan_error("conv5x6s3 gap", 11), "(no error)");
  EXPECT_EQ(plan_error("conv5x6s4 gap", 11),
            "encoder spec: layer 1 'conv5x6s4' on 11x11x3: (11 - 5 + 2*0)/4 + 1 = 2.5 is not a whole number");
}

TEST(Plan, VanishingVolumesNameTheLayer) {
  EXPECT_EQ(plan_error("conv3x8 pool2 conv5x8 gap", 8),
            "encoder spec: layer 3 'conv5x8' on 3x3x8: (3 - 5 + 2*0)/1 + 1 = -1: the volume vanishes (the 5x5 "
            "window is larger than the padded input)");
  EXPECT_EQ(plan_error("fc10 conv3x4", 8),
            "encoder spec: layer 2 'conv3x4' on 1x1x10: (1 - 3 + 2*0)/1 + 1 = -1: the volume vanishes (the 3x3 "
            "window is larger than the padded input)");
  EXPECT_EQ(plan_error("conv3x4 pool4 gap", 2),
            "encoder spec: layer 1 'conv3x4' on 2x2x3: (2 - 3 + 2*0)/1 + 1 = 0: the volume vanishes (the 3x3 window "
            "is larger than the padded input)");
}

TEST(Plan, OtherErrors) {
  EXPECT_EQ(plan_error("conv3x6p1 maxout4 gap", 8),
            "encoder spec: layer 2 'maxout4' on 8x8x6: depth 6 is not a multiple of the 4 pieces");
  EXPECT_EQ(plan_error("conv3x8p1 relu pool2", 32),
            "encoder spec: the last volume is 16x16x8, not 1x1xN: end the spec with gap or fc<N> to give the decoder a "
            "feature vector");
  EXPECT_EQ(plan_error("gap", 0), "encoder image size must be 1 to 8192 pixels, not 0");
  EXPECT_EQ(plan_error("conv3x8 fc10", 2000000000), "encoder image size must be 1 to 8192 pixels, not 2000000000");
}

// Found by the encoder_spec fuzzer: a spec's numbers are each at most 10^6, but the
// products the planner forms (parameters, FLOP, volumes, their totals) are not bounded, and
// overflowed int64 silently (undefined behaviour; nonsense in the inspect table).
TEST(Plan, CountsBeyondInt64AreAnErrorNotAnOverflow) {
  EXPECT_EQ(plan_error("conv1000000x1000000p1000000 gap", 32),
            "encoder spec: layer 1 'conv1000000x1000000p1000000' on 32x32x3: too large: its FLOP count overflows "
            "64-bit integers");
  EXPECT_EQ(plan_error("conv1x1000000 conv1x1000000 gap", 8192),
            "encoder spec: layer 2 'conv1x1000000' on 8192x8192x1000000: too large: its FLOP count overflows 64-bit "
            "integers");
  EXPECT_EQ(plan_error("conv1x1000000 conv1000000x1000000p500000 gap", 32),
            "encoder spec: layer 2 'conv1000000x1000000p500000' on 32x32x1000000: too large: its parameter count "
            "overflows 64-bit integers");
  EXPECT_EQ(plan_error("fc1000000 conv2001x1000000p1000 conv2001x1000000p1000 gap", 1),
            "encoder spec: layer 3 'conv2001x1000000p1000' on 1x1x1000000: too large: the total FLOP count "
            "overflows 64-bit integers");
  // The largest counts that fit are still planned.
  EXPECT_EQ(plan("fc1000000 conv2001x1000000p1000 gap", 1).flops(), 2 * (2001LL * 2001 * 1000000 * 1000000 + 3 * 1000000));
}

TEST(Plan, FullyConvolutionalUseOnLargerImages) {
  const EncoderPlan trained = plan("conv3x8p1 relu pool2 fc10 relu fc4", 16);
  EXPECT_EQ(trained.layers[3].input.str(), "8x8x8");
  // 24 x 24: the fc's 8 x 8 window fits at (12 - 8 + 1)^2 = 25 positions.
  const EncoderPlan larger = plan_encoder_at(trained, 24, 24);
  EXPECT_EQ(larger.layers[2].output.str(), "12x12x8");
  EXPECT_EQ(larger.layers[3].output.str(), "5x5x10");
  EXPECT_EQ(larger.layers[3].parameters, trained.layers[3].parameters);
  EXPECT_EQ(larger.layers[3].flops, trained.layers[3].flops * 25);
  EXPECT_EQ(larger.output().str(), "5x5x4");
  EXPECT_EQ(larger.feature_size(), 4);
  EXPECT_NE(format_plan(larger).find("feature vector 4 (the average over 5x5 positions)\n"), std::string::npos);
  // Not square.
  EXPECT_EQ(plan_encoder_at(trained, 16, 20).output().str(), "1x3x4");
  // The same size gives the trained plan.
  EXPECT_EQ(format_plan(plan_encoder_at(trained, 16, 16)), format_plan(trained));
  // A gap encoder takes any size that divides.
  EXPECT_EQ(plan_encoder_at(plan("conv3x8p1 relu pool2 gap fc6", 16), 10, 10).output().str(), "1x1x6");
}

TEST(Plan, FullyConvolutionalErrorsNameTheSizeAndTheLayer) {
  EXPECT_EQ(plan_at_error("conv3x8p1 relu pool2 fc10", 16, 25, 25),
            "cannot encode 25x25 images with the encoder planned for 16x16: layer 3 'pool2' on 25x25x8: "
            "(25 - 2 + 2*0)/2 + 1 = 12.5 is not a whole number");
  EXPECT_EQ(plan_at_error("conv3x8p1 relu pool2 fc10", 16, 12, 12),
            "cannot encode 12x12 images with the encoder planned for 16x16: layer 4 'fc10' on 6x6x8: 6 is smaller "
            "than the planned input's 8, which the fc layer needs");
  EXPECT_EQ(plan_at_error("conv3x8p1 relu pool2 fc10", 16, 16, 14),
            "cannot encode 16x14 images with the encoder planned for 16x16: layer 4 'fc10' on 8x7x8: width 7 is "
            "smaller than the planned input's 8, which the fc layer needs");
  EXPECT_EQ(plan_at_error("conv3x8p1 relu pool2 fc10", 16, 16, 17),
            "cannot encode 16x17 images with the encoder planned for 16x16: layer 3 'pool2' on 16x17x8: width "
            "(17 - 2 + 2*0)/2 + 1 = 8.5 is not a whole number");
}

}  // namespace
