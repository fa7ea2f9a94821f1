# CAPTIONER_FUZZ: libFuzzer targets for every parser of outside input (tests/fuzz, run by
# scripts/fuzz.sh). Everything the build compiles gets AddressSanitizer, UndefinedBehavior-
# Sanitizer and libFuzzer's coverage instrumentation; the fuzz targets link libFuzzer's
# main. Prebuilt libraries (LibTorch, OpenCV's codecs, Boost) stay uninstrumented: their
# crashes are still caught, but their code gives the fuzzer no coverage to steer by.
if(NOT CAPTIONER_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "CAPTIONER_FUZZ needs clang (libFuzzer is part of clang), not ${CMAKE_CXX_COMPILER_ID}: "
                      "configure a fresh build folder with CC=clang CXX=clang++ (scripts/fuzz.sh does)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                    -fno-sanitize-recover=undefined)
add_link_options(-fsanitize=address,undefined)
