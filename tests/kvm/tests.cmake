# uk-kvm-run (kvm-loader/): every corpus app on KVM, from the desc (pool
# objects as read-only memslots) and from the KVM ELF (copied), against its
# direct linuxu run; the guest's faults and hostile hypercalls (the test app
# unikernels/kvm/testapp/kvmtest.c); pool sharing between VMs and with
# uk-slt-run; bad inputs by message. Every test skips with one line where
# /dev/kvm cannot be opened.
add_executable(uk-kvm-tests kvm/kvm_util.cc kvm/test_kvm_corpus.cc kvm/test_kvm_guest.cc kvm/test_kvm_sharing.cc)
target_include_directories(uk-kvm-tests PRIVATE ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(uk-kvm-tests PRIVATE uk_test_support GTest::gtest_main)
uk_warnings(uk-kvm-tests)
uk_sanitize(uk-kvm-tests)
add_dependencies(uk-kvm-tests corpus corpus-kvm uk-kvm-run uk-slt-run)
gtest_discover_tests(uk-kvm-tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
