# `cmake --install BUILD --prefix P` and `cpack -G DEB`: the tools, the
# platform libraries every app links (boot, musl, gccrt; kvmplat for KVM; the
# dynamic forms for uk-dyn-run), the CMake package (find_package(uk-slt):
# uk_add_library, uk_add_app), pkg-config's uk-slt.pc (the object flags) and
# the docs. `uk-slt pack` finds the platform libraries here, relative to
# itself (toolchain/platform_libs.h).
#
#   P/bin/uk-slt, uk-slt-run, uk-dyn-run, uk-kvm-run
#   P/lib/uk-slt/linuxu/{boot,musl,gccrt}.o          platform libraries (both platforms)
#   P/lib/uk-slt/kvm/kvmplat.o                       the KVM guest platform library
#   P/lib/uk-slt/dynamic/{libmusl.so,libboot.so,crt-dyn.o}
#   P/lib/cmake/uk-slt/                              CMake package
#   P/lib/pkgconfig/uk-slt.pc
#   P/share/doc/uk-slt/                              README, docs, LICENSE
include_guard(GLOBAL)
include(${CMAKE_SOURCE_DIR}/cmake/package/UkSltFlags.cmake)

install(TARGETS uk-slt uk-slt-run uk-dyn-run uk-kvm-run RUNTIME DESTINATION bin)
install(FILES ${UK_LIB_DIR}/boot.o ${UK_LIB_DIR}/musl.o ${UK_LIB_DIR}/gccrt.o DESTINATION lib/uk-slt/linuxu)
install(FILES ${UK_LIB_DIR}/kvmplat.o DESTINATION lib/uk-slt/kvm)
install(FILES ${UK_DYNLIB_DIR}/libmusl.so ${UK_DYNLIB_DIR}/libboot.so ${UK_CORPUS_DIR}/obj/dynamic/crt-dyn.o
        DESTINATION lib/uk-slt/dynamic)

include(CMakePackageConfigHelpers)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/uk-slt-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_SOURCE_DIR}/cmake/package/uk-slt-config.cmake ${CMAKE_SOURCE_DIR}/cmake/package/UkSltFlags.cmake
        ${CMAKE_BINARY_DIR}/uk-slt-config-version.cmake DESTINATION lib/cmake/uk-slt)

list(JOIN UK_SLT_OBJECT_CFLAGS " " UK_SLT_PC_CFLAGS)
configure_file(${CMAKE_SOURCE_DIR}/cmake/package/uk-slt.pc.in ${CMAKE_BINARY_DIR}/uk-slt.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/uk-slt.pc DESTINATION lib/pkgconfig)

install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/LICENSE DESTINATION share/doc/uk-slt)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION share/doc/uk-slt/docs)

# Debian package: cpack -G DEB in the build directory, then apt install ./uk-slt_*.deb
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME uk-slt)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "load-time memory deduplication for unikernels (Spacer-SLT)")
set(CPACK_PACKAGE_CONTACT "uk-slt developers")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# The toolchain runs musl-gcc and ld; uk-slt links libfmt dynamically.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "musl-tools, musl-dev, binutils")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
include(CPack)
