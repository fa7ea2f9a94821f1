#pragma once
// Tests that load SentencePiece (directly, or through `captioner prepare`) skip in a build
// with AddressSanitizer: the module needs RTLD_DEEPBIND, which ASan refuses (see
// data/sentencepiece_module/module_api.h).

#include <gtest/gtest.h>

#if defined(__SANITIZE_ADDRESS__)
#define SKIP_UNDER_ASAN() GTEST_SKIP() << "SentencePiece needs RTLD_DEEPBIND, which AddressSanitizer refuses"
#else
#define SKIP_UNDER_ASAN() (void)0
#endif
