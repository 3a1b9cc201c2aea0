// The overlay's embedded font: a build-time subset of Debian's DejaVu Sans (fonts-dejavu-core), as a
// byte array generated into the build directory by src/overlay/CMakeLists.txt.
#pragma once

#include <cstddef>

namespace livescope {

extern const unsigned char kOverlayFontData[]; // TrueType bytes
extern const std::size_t kOverlayFontDataSize; // bytes

} // namespace livescope
