# ukdyn_host: uk-dyn-run's parsing, symbol lookup and relocation planning
# (sources.cmake) built for the host libc, plus host_image.cc, which lays an
# object out in heap memory instead of mapping it, so the same code runs in
# a test or fuzzer process under ASan + UBSan. Used by tests/dyn (normal and
# ASan builds) and fuzz/dyn.cmake (the UK_FUZZ build includes this file).
include(${CMAKE_CURRENT_LIST_DIR}/sources.cmake)
add_library(ukdyn_host STATIC ${UK_DYN_CORE_SOURCES} ${CMAKE_CURRENT_LIST_DIR}/host_image.cc)
target_include_directories(ukdyn_host PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(ukdyn_host PUBLIC ukcore)
uk_warnings(ukdyn_host)
uk_sanitize(ukdyn_host)
