#include "metrics/numpy_mean.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace captioner::metrics {
namespace {

TEST(NumpyMean, EmptyIsNan) { EXPECT_TRUE(std::isnan(numpy_mean({}))); }

TEST(NumpyMean, FewValuesAreSummedInOrder) {
  // (0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3) in binary64: the order is visible.
  EXPECT_EQ(numpy_mean({0.1, 0.2, 0.3}), ((0.1 + 0.2) + 0.3) / 3);
}

TEST(NumpyMean, EightAccumulatorsFromEightValues) {
  std::vector<double> values;
  for (int i = 0; i < 11; ++i) values.push_back(0.1 * (i + 1));
  double r[8];
  for (int j = 0; j < 8; ++j) r[j] = values[j];
  double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
  for (int i = 8; i < 11; ++i) sum += values[i];
  EXPECT_EQ(numpy_mean(values), sum / 11);
}

}  // namespace
}  // namespace captioner::metrics
