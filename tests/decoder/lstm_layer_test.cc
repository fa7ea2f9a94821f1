#include "decoder/lstm_layer.h"

#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "decoder/caption_decoder.h"
#include "decoder/caption_loss.h"
#include "tests/decoder/tiny_decoder.h"

namespace captioner::decoder {
namespace {

bool close(const torch::Tensor& actual, const torch::Tensor& expected, double tolerance = 1e-5) {
  return actual.sizes() == expected.sizes() && torch::allclose(actual, expected, tolerance, tolerance);
}

struct LayerCase {
  int64_t rows, steps, inputs, hidden;
};

// lstm_layer against torch::nn::LSTM on the same weights and state: the outputs, the final
// state and every gradient, from a loss that reads all three outputs.
TEST(LstmLayer, AgreesWithLibTorchsLstmForwardAndBackward) {
  // Hidden sizes with and without a tail after the vector loops (8 and 16 lanes).
  for (const LayerCase& shape : {LayerCase{1, 1, 3, 1}, LayerCase{3, 4, 5, 5}, LayerCase{7, 6, 4, 20},
                                 LayerCase{4, 9, 16, 33}}) {
    torch::manual_seed(11);
    torch::nn::LSTM reference(torch::nn::LSTMOptions(shape.inputs, shape.hidden).batch_first(true));
    auto parameters = reference->named_parameters();
    const LstmLayerWeights weights{parameters["weight_ih_l0"], parameters["weight_hh_l0"], parameters["bias_ih_l0"],
                                   parameters["bias_hh_l0"]};
    const auto inputs = torch::randn({shape.rows, shape.steps, shape.inputs}, torch::requires_grad());
    const auto h0 = torch::randn({shape.rows, shape.hidden}, torch::requires_grad());
    const auto c0 = torch::randn({shape.rows, shape.hidden}, torch::requires_grad());
    const auto output_weights = torch::randn({shape.rows, shape.steps, shape.hidden});
    const auto h_weights = torch::randn({shape.rows, shape.hidden}), c_weights = torch::randn({shape.rows, shape.hidden});
    const std::string where = "rows " + std::to_string(shape.rows) + " steps " + std::to_string(shape.steps) +
                              " hidden " + std::to_string(shape.hidden);

    auto gradients = [&](const torch::Tensor& outputs, const torch::Tensor& h, const torch::Tensor& c) {
      const auto loss = (outputs * output_weights).sum() + (h * h_weights).sum() + (c * c_weights).sum();
      std::vector<torch::Tensor> leaves{inputs, h0, c0, weights.weight_ih, weights.weight_hh, weights.bias_ih,
                                        weights.bias_hh};
      return torch::autograd::grad({loss}, leaves);
    };
    const auto [expected_outputs, expected_state] = reference(inputs, std::make_tuple(h0.unsqueeze(0), c0.unsqueeze(0)));
    const auto expected_h = std::get<0>(expected_state).squeeze(0), expected_c = std::get<1>(expected_state).squeeze(0);
    const auto expected_gradients = gradients(expected_outputs, expected_h, expected_c);

    const auto result = lstm_layer(inputs, h0, c0, weights);
    EXPECT_TRUE(close(result.outputs, expected_outputs)) << where;
    EXPECT_TRUE(close(result.h, expected_h)) << where;
    EXPECT_TRUE(close(result.c, expected_c)) << where;
    const auto actual_gradients = gradients(result.outputs, result.h, result.c);
    const char* names[] = {"inputs", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"};
    for (size_t i = 0; i < actual_gradients.size(); ++i) {
      EXPECT_TRUE(close(actual_gradients[i], expected_gradients[i], 1e-4))
          << where << ": gradient of " << names[i] << " differs by "
          << (actual_gradients[i] - expected_gradients[i]).abs().max().item<double>();
    }
  }
}

// A loss that reads only the outputs (the final state's gradients are undefined), and the
// forward pass without autograd, which keeps nothing for a backward pass.
TEST(LstmLayer, UnusedOutputsAndNoGradModeGiveTheSameNumbers) {
  torch::manual_seed(5);
  torch::nn::LSTM reference(torch::nn::LSTMOptions(6, 12).batch_first(true));
  auto parameters = reference->named_parameters();
  const LstmLayerWeights weights{parameters["weight_ih_l0"], parameters["weight_hh_l0"], parameters["bias_ih_l0"],
                                 parameters["bias_hh_l0"]};
  const auto inputs = torch::randn({5, 7, 6});
  const auto h0 = torch::randn({5, 12}), c0 = torch::randn({5, 12});

  const auto result = lstm_layer(inputs, h0, c0, weights);
  result.outputs.pow(2).sum().backward();
  const auto [expected_outputs, expected_state] = reference(inputs, std::make_tuple(h0.unsqueeze(0), c0.unsqueeze(0)));
  const auto expected_weight_grad =
      torch::autograd::grad({expected_outputs.pow(2).sum()}, {weights.weight_hh}, {}, /*retain_graph=*/false)[0];
  EXPECT_TRUE(close(weights.weight_hh.grad(), expected_weight_grad, 1e-4));

  torch::NoGradGuard no_grad;
  const auto without_graph = lstm_layer(inputs, h0, c0, weights);
  EXPECT_FALSE(without_graph.outputs.requires_grad());
  EXPECT_TRUE(torch::equal(without_graph.outputs, result.outputs));
  EXPECT_TRUE(torch::equal(without_graph.c, result.c));
}

// Rows of different lengths against torch::nn::LSTM on a PackedSequence: each row's outputs
// up to its length, zeros after, its own last state, and every gradient.
// Unsorted, with ties; the second ends every row before the last step.
class LstmLayerLengths : public ::testing::TestWithParam<std::vector<int64_t>> {};

TEST_P(LstmLayerLengths, AgreeWithAPackedSequence) {
  torch::manual_seed(8);
  const int64_t rows = 5, steps = 6, inputs_size = 4, hidden = 20;
  const std::vector<int64_t> lengths = GetParam();
  torch::nn::LSTM reference(torch::nn::LSTMOptions(inputs_size, hidden).batch_first(true));
  auto parameters = reference->named_parameters();
  const LstmLayerWeights weights{parameters["weight_ih_l0"], parameters["weight_hh_l0"], parameters["bias_ih_l0"],
                                 parameters["bias_hh_l0"]};
  const auto inputs = torch::randn({rows, steps, inputs_size}, torch::requires_grad());
  const auto h0 = torch::randn({rows, hidden}, torch::requires_grad());
  const auto c0 = torch::randn({rows, hidden}, torch::requires_grad());
  const auto output_weights = torch::randn({rows, steps, hidden});
  const auto h_weights = torch::randn({rows, hidden}), c_weights = torch::randn({rows, hidden});
  const auto valid = (torch::arange(steps).unsqueeze(0) < torch::tensor(lengths).unsqueeze(1)).unsqueeze(2);
  auto gradients = [&](const torch::Tensor& outputs, const torch::Tensor& h, const torch::Tensor& c) {
    const auto loss = (outputs * output_weights).sum() + (h * h_weights).sum() + (c * c_weights).sum();
    return torch::autograd::grad({loss}, {inputs, h0, c0, weights.weight_ih, weights.weight_hh, weights.bias_ih,
                                          weights.bias_hh});
  };

  namespace rnn = torch::nn::utils::rnn;
  const auto packed = rnn::pack_padded_sequence(inputs, torch::tensor(lengths), /*batch_first=*/true,
                                                /*enforce_sorted=*/false);
  const auto [packed_outputs, expected_state] =
      reference->forward_with_packed_input(packed, std::make_tuple(h0.unsqueeze(0), c0.unsqueeze(0)));
  const auto expected_outputs = std::get<0>(rnn::pad_packed_sequence(packed_outputs, true, 0.0, steps));
  const auto expected_h = std::get<0>(expected_state).squeeze(0), expected_c = std::get<1>(expected_state).squeeze(0);
  const auto expected_gradients = gradients(expected_outputs, expected_h, expected_c);

  const auto result = lstm_layer(inputs, h0, c0, weights, lengths);
  EXPECT_TRUE(close(result.outputs, expected_outputs));
  EXPECT_EQ(result.outputs.masked_select(valid.logical_not()).abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(close(result.h, expected_h));
  EXPECT_TRUE(close(result.c, expected_c));
  const auto actual_gradients = gradients(result.outputs, result.h, result.c);
  const char* names[] = {"inputs", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"};
  for (size_t i = 0; i < actual_gradients.size(); ++i) {
    EXPECT_TRUE(close(actual_gradients[i], expected_gradients[i], 1e-4)) << "gradient of " << names[i];
  }
  // Inputs past a row's length are not read: their gradient is exactly zero.
  EXPECT_EQ(actual_gradients[0].masked_select(valid.logical_not()).abs().max().item<float>(), 0.0f);

  EXPECT_THROW(lstm_layer(inputs, h0, c0, weights, {3, 6, 0, 6, 4}), c10::Error);
  EXPECT_THROW(lstm_layer(inputs, h0, c0, weights, {3, 6, 7, 6, 4}), c10::Error);
  EXPECT_THROW(lstm_layer(inputs, h0, c0, weights, {3, 6}), c10::Error);
}

INSTANTIATE_TEST_SUITE_P(LstmLayer, LstmLayerLengths,
                         ::testing::Values(std::vector<int64_t>{3, 6, 1, 6, 4}, std::vector<int64_t>{3, 5, 1, 5, 4}));

// The loss's teacher forcing (real positions only, each row's LSTM stopping at its last
// real target) against forward() over every position: the same loss and gradients.
TEST(LstmLayer, TeacherForcingOnRealTargetsEqualsTheFullForwardPass) {
  for (const int layers : {1, 2}) {
    auto decoder = testing::random_decoder(testing::tiny_options("hidden", 12, layers), 6);
    const auto features = torch::randn({4, 6});
    // bos, words, eos, padding; rows of lengths 6, 3, 1 (eos at once) and 4 tokens.
    const auto tokens = torch::tensor({{1, 5, 6, 7, 8, 9, 2},
                                       {1, 5, 6, 2, 0, 0, 0},
                                       {1, 2, 0, 0, 0, 0, 0},
                                       {1, 9, 8, 7, 2, 0, 0}}, torch::kLong);
    auto gradients = [&](const torch::Tensor& loss) {
      decoder->zero_grad();
      loss.backward();
      std::vector<torch::Tensor> result;
      for (const auto& parameter : decoder->parameters()) result.push_back(parameter.grad().clone());
      return result;
    };
    const auto expected_loss = masked_cross_entropy(decoder->forward(features, tokens), tokens.slice(1, 1), 0.1);
    const auto expected_gradients = gradients(expected_loss);
    const auto teacher_forcing = decoder->teacher_forcing(features, tokens);
    EXPECT_EQ(teacher_forcing.logits.size(0), 6 + 3 + 1 + 4);
    EXPECT_TRUE(torch::equal(teacher_forcing.targets, tokens.slice(1, 1).masked_select(tokens.slice(1, 1).ne(0))));
    const auto loss = caption_loss(decoder, features, tokens, 0.1);
    EXPECT_NEAR(loss.item<double>(), expected_loss.item<double>(), 1e-6) << "layers " << layers;
    const auto actual_gradients = gradients(loss);
    for (size_t i = 0; i < actual_gradients.size(); ++i) {
      EXPECT_TRUE(close(actual_gradients[i], expected_gradients[i], 1e-5)) << "layers " << layers << " parameter " << i;
    }
  }
}

TEST(LstmLayer, ShapesThatDoNotFitAreErrors) {
  const LstmLayerWeights weights{torch::zeros({8, 3}), torch::zeros({8, 2}), torch::zeros({8}), torch::zeros({8})};
  EXPECT_THROW(lstm_layer(torch::zeros({2, 4, 5}), torch::zeros({2, 2}), torch::zeros({2, 2}), weights), c10::Error);
  EXPECT_THROW(lstm_layer(torch::zeros({2, 4, 3}), torch::zeros({3, 2}), torch::zeros({2, 2}), weights), c10::Error);
  EXPECT_THROW(lstm_layer(torch::zeros({2, 0, 3}), torch::zeros({2, 2}), torch::zeros({2, 2}), weights), c10::Error);
  EXPECT_THROW(lstm_layer(torch::zeros({2, 4, 3}, torch::kDouble), torch::zeros({2, 2}), torch::zeros({2, 2}), weights),
               c10::Error);
}

// The decoder's teacher-forced logits and its parameters' gradients, two layers (dropout
// off), against the same computation through its torch::nn::LSTM submodule.
TEST(LstmLayer, TheDecoderAgreesWithItsLstmModule) {
  auto decoder = testing::random_decoder(testing::tiny_options("hidden", 12, /*layers=*/2), 4);
  torch::manual_seed(2);
  const auto features = torch::randn({3, 6});
  const auto tokens = torch::randint(4, 12, {3, 7}, torch::kLong);
  const auto logit_weights = torch::randn({3, 6, 12});

  auto children = decoder->named_children();
  auto& embedding = *children["embedding"]->as<torch::nn::Embedding>();
  auto& lstm = *children["lstm"]->as<torch::nn::LSTM>();
  auto& output = *children["output"]->as<torch::nn::Linear>();
  auto gradients = [&](const torch::Tensor& logits) {
    decoder->zero_grad();
    (logits * logit_weights).sum().backward();
    std::vector<torch::Tensor> result;
    for (const auto& parameter : decoder->parameters()) result.push_back(parameter.grad().clone());
    return result;
  };

  const auto state = decoder->start(features);
  const auto [hidden, final_state] =
      lstm.forward(embedding.forward(tokens.slice(1, 0, 6)), std::make_tuple(state.h, state.c));
  const auto expected_logits = output.forward(hidden);
  const auto expected_gradients = gradients(expected_logits);

  const auto logits = decoder->forward(features, tokens);
  EXPECT_TRUE(close(logits, expected_logits));
  const auto actual_gradients = gradients(logits);
  ASSERT_EQ(actual_gradients.size(), expected_gradients.size());
  for (size_t i = 0; i < actual_gradients.size(); ++i) {
    EXPECT_TRUE(close(actual_gradients[i], expected_gradients[i], 1e-4)) << "parameter " << i;
  }
}

}  // namespace
}  // namespace captioner::decoder
