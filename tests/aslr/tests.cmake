# uk-slt-run with layout aslr, on a desc made in the test from a static-PIE
# musl app (tests/aslr/pie_app.c) with the project's own desc writer: random
# independent bases per block, abs64 / slot64 / pc32 relocations, pool pages
# shared read-only, W^X, synthesised program headers and TLS, --seed,
# --stats, --verify, and inconsistent ASLR data refused with one line.
set(uk_pie_app ${CMAKE_CURRENT_BINARY_DIR}/aslr/pie_app)
add_custom_command(OUTPUT ${uk_pie_app}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/aslr
  COMMAND ${UK_MUSL_GCC} -O1 -fPIE -c ${CMAKE_CURRENT_LIST_DIR}/pie_app.c -o ${uk_pie_app}.o
  # Static PIE without self-relocation (Scrt1, not rcrt1): the loader applies its relocations.
  COMMAND ${CMAKE_LINKER} -static -pie --no-dynamic-linker -z norelro -z noseparate-code
          ${UK_MUSL_LIBDIR}/Scrt1.o ${UK_MUSL_LIBDIR}/crti.o ${uk_pie_app}.o ${UK_MUSL_LIBDIR}/libc.a
          ${UK_MUSL_LIBDIR}/crtn.o -o ${uk_pie_app}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/pie_app.c
  COMMENT "static PIE test app for layout aslr")
add_custom_target(aslr-pie-app DEPENDS ${uk_pie_app})

# test_placement.cc: the loader's placement itself, on hand-made descs.
add_executable(uk-aslr-tests aslr/aslr_fixture.cc aslr/test_aslr_loader.cc aslr/test_placement.cc
               ${CMAKE_SOURCE_DIR}/linuxu-loader/placement.cc)
target_include_directories(uk-aslr-tests PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR}
                           ${CMAKE_SOURCE_DIR}/linuxu-loader)
target_link_libraries(uk-aslr-tests PRIVATE uk_test_support GTest::gtest_main)
target_compile_definitions(uk-aslr-tests PRIVATE UK_ASLR_PIE_APP="${uk_pie_app}")
uk_warnings(uk-aslr-tests)
uk_sanitize(uk-aslr-tests)
add_dependencies(uk-aslr-tests aslr-pie-app uk-slt-run)
gtest_discover_tests(uk-aslr-tests DISCOVERY_TIMEOUT 60)
