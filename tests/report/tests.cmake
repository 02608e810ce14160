# uk-slt report: why pages are not shared, from the relocation scan, on a
# hand-made library (report/lib_why.S, calling into report/lib_peer.S built
# twice) and on corpus apps; the one relocation table (common/reloc_kinds.h)
# as the scan uses it. Uses the aslr-tool fixtures' _start/main (tmain.o).
set(UK_REPORT_TEST_DIR ${CMAKE_BINARY_DIR}/tests/report)
file(MAKE_DIRECTORY ${UK_REPORT_TEST_DIR}/peer1 ${UK_REPORT_TEST_DIR}/peer2)
set(report_src ${CMAKE_CURRENT_LIST_DIR})
add_custom_command(OUTPUT ${UK_REPORT_TEST_DIR}/why.o
  COMMAND ${CMAKE_C_COMPILER} -c ${report_src}/lib_why.S -o ${UK_REPORT_TEST_DIR}/why.S.o
  COMMAND ${UK_LD} -r ${UK_REPORT_TEST_DIR}/why.S.o -o ${UK_REPORT_TEST_DIR}/why.o
  DEPENDS ${report_src}/lib_why.S VERBATIM)
set(report_libs ${UK_REPORT_TEST_DIR}/why.o)
foreach(b 1 2)
  add_custom_command(OUTPUT ${UK_REPORT_TEST_DIR}/peer${b}/peer.o
    COMMAND ${CMAKE_C_COMPILER} -DPEER_BUILD=${b} -c ${report_src}/lib_peer.S -o ${UK_REPORT_TEST_DIR}/peer${b}/peer.S.o
    COMMAND ${UK_LD} -r ${UK_REPORT_TEST_DIR}/peer${b}/peer.S.o -o ${UK_REPORT_TEST_DIR}/peer${b}/peer.o
    DEPENDS ${report_src}/lib_peer.S VERBATIM)
  list(APPEND report_libs ${UK_REPORT_TEST_DIR}/peer${b}/peer.o)
endforeach()
add_custom_target(report_test_libs DEPENDS ${report_libs})

add_executable(uk-report-tests report/test_report_why.cc)
target_include_directories(uk-report-tests PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-report-tests PRIVATE uk_test_support GTest::gtest_main)
target_compile_definitions(uk-report-tests PRIVATE UK_REPORT_TEST_DIR="${UK_REPORT_TEST_DIR}"
                                                   UK_ASLR_TEST_DIR="${UK_ASLR_TEST_DIR}" UK_LIB_DIR="${UK_LIB_DIR}")
uk_warnings(uk-report-tests)
uk_sanitize(uk-report-tests)
add_dependencies(uk-report-tests report_test_libs aslr_test_libs uk-slt corpus)
gtest_discover_tests(uk-report-tests DISCOVERY_TIMEOUT 60)
