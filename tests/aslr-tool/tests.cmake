# SLT [ASLR] toolchain: the rewriter class by class on small hand-written
# libraries (aslr-tool/lib_*.S), run before (linked into the test) and after
# rewriting (blocks mapped at two bases in the test process); verify on a
# non-PIC library and on a block with a leftover cross-block reference.
set(UK_ASLR_TEST_DIR ${CMAKE_BINARY_DIR}/tests/aslr-tool)
file(MAKE_DIRECTORY ${UK_ASLR_TEST_DIR})
set(aslr_src ${CMAKE_CURRENT_LIST_DIR})
function(uk_aslr_test_lib name)
  cmake_parse_arguments(T "" "" "SOURCES;FLAGS" ${ARGN})
  set(objs)
  foreach(s ${T_SOURCES})
    set(o ${UK_ASLR_TEST_DIR}/${s}.o)
    add_custom_command(OUTPUT ${o} COMMAND ${CMAKE_C_COMPILER} ${T_FLAGS} -c ${aslr_src}/${s} -o ${o}
                       DEPENDS ${aslr_src}/${s} VERBATIM)
    list(APPEND objs ${o})
  endforeach()
  add_custom_command(OUTPUT ${UK_ASLR_TEST_DIR}/${name}.o COMMAND ${UK_LD} -r ${objs} -o ${UK_ASLR_TEST_DIR}/${name}.o
                     DEPENDS ${objs} VERBATIM)
endfunction()
uk_aslr_test_lib(ta SOURCES lib_a.S)
add_custom_command(OUTPUT ${UK_ASLR_TEST_DIR}/lib_a_got.S.o
  COMMAND ${CMAKE_C_COMPILER} -Wa,-mrelax-relocations=no -c ${aslr_src}/lib_a_got.S -o ${UK_ASLR_TEST_DIR}/lib_a_got.S.o
  DEPENDS ${aslr_src}/lib_a_got.S VERBATIM)
add_custom_command(OUTPUT ${UK_ASLR_TEST_DIR}/tagot.o
  COMMAND ${UK_LD} -r ${UK_ASLR_TEST_DIR}/lib_a_got.S.o -o ${UK_ASLR_TEST_DIR}/tagot.o
  DEPENDS ${UK_ASLR_TEST_DIR}/lib_a_got.S.o VERBATIM)
uk_aslr_test_lib(tb SOURCES lib_b.S)
uk_aslr_test_lib(tmain SOURCES lib_main.S)
uk_aslr_test_lib(nopic SOURCES lib_nopic.S)
add_custom_target(aslr_test_libs DEPENDS ${UK_ASLR_TEST_DIR}/ta.o ${UK_ASLR_TEST_DIR}/tagot.o ${UK_ASLR_TEST_DIR}/tb.o
                  ${UK_ASLR_TEST_DIR}/tmain.o ${UK_ASLR_TEST_DIR}/nopic.o)

add_executable(uk-aslr-tool-tests aslr-tool/test_rewrite.cc aslr-tool/test_verify.cc aslr-tool/test_corpus_aslr.cc aslr-tool/test_e2e_aslr.cc aslr-tool/test_corpus_layouts.cc aslr-tool/test_aslr_pack.cc aslr-tool/block_map.cc
               aslr-tool/lib_a.S aslr-tool/lib_a_got.S aslr-tool/lib_b.S)
target_include_directories(uk-aslr-tool-tests PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-aslr-tool-tests PRIVATE uk_test_support GTest::gtest_main)
list(JOIN UK_APPS "," uk_aslr_apps)
target_compile_definitions(uk-aslr-tool-tests PRIVATE UK_ASLR_TEST_DIR="${UK_ASLR_TEST_DIR}" UK_ASLR_APPS="${uk_aslr_apps}")
uk_warnings(uk-aslr-tool-tests)
uk_sanitize(uk-aslr-tool-tests)
add_dependencies(uk-aslr-tool-tests aslr_test_libs uk-slt corpus)
gtest_discover_tests(uk-aslr-tool-tests DISCOVERY_TIMEOUT 60)

# Test support: runs an ASLR app from its plan in-process (see aslr_exec.cc).
add_executable(uk-aslr-exec aslr-tool/aslr_exec.cc aslr-tool/block_map.cc ${CMAKE_SOURCE_DIR}/loader-common/initial_stack.cc
               ${CMAKE_SOURCE_DIR}/loader-common/stack_room.cc
               ${CMAKE_SOURCE_DIR}/loader-common/enter.S)
target_include_directories(uk-aslr-exec PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_SOURCE_DIR}/loader-common)
target_link_libraries(uk-aslr-exec PRIVATE ukslt_toolchain)
set_target_properties(uk-aslr-exec PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
uk_warnings(uk-aslr-exec)
uk_sanitize(uk-aslr-exec)
add_dependencies(uk-aslr-tool-tests uk-aslr-exec)
