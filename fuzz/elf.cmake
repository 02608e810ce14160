# ElfView::parse and plan_image (common/elf_view.*, toolchain/image_plan.*)
# on arbitrary bytes, with a mutator aimed at the ELF header and the
# program and section header tables (elf_mutator.h).
uk_fuzzer(elf SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_elf.cc LIBS ukslt_toolchain)
