// Exports std::ios_base_library_init(), the one GLIBCXX_3.4.32 symbol that TorchSharp's
// libLibTorchSharp.so needs, for systems whose libstdc++ is older (GCC 12: Debian 12, Ubuntu 22.04).
// GCC 13 emits a call to it from every translation unit that includes <iostream>; it initialises the
// standard streams once, which is exactly what constructing an ios_base::Init object does.
// Built and loaded only on such systems (see TorchNativeFix.cs and Mmcs.Train TorchRuntime).
#include <ios>

namespace std {
__attribute__((visibility("default"))) void ios_base_library_init() {
    static ios_base::Init init;
}
}  // namespace std
