# KVM mode: the same corpus packed for uk-kvm-run. Every app gets the KVM
# platform library kvmplat (kvm-loader/guest) next to its unchanged boot,
# musl, gccrt and app libraries: same slots, same pool objects as linuxu.
#
#   build/unikernels/<app>/<app>.kvm.elf    aligned ELF with kvmplat (Default: uk-kvm-run APP.kvm.elf)
#   build/unikernels/<app>/<app>.kvm.img    private image
#   build/unikernels/<app>/<app>.kvm.desc   desc, platform kvm (Spacer-SLT: uk-kvm-run APP.kvm.desc)
#
# Packed after the linuxu pack (same registry), so kvmplat's slot comes after
# every other library's and nothing else moves.
set(UK_KVM_GUEST_DIR ${CMAKE_SOURCE_DIR}/kvm-loader/guest)
set(UK_KVM_ABI_DIR ${CMAKE_SOURCE_DIR}/kvm-loader/abi)
uk_c_library(kvmplat
  SOURCES ${UK_KVM_GUEST_DIR}/entry.S ${UK_KVM_GUEST_DIR}/kernel.c ${UK_KVM_GUEST_DIR}/syscall.c
          ${UK_KVM_GUEST_DIR}/memory.c ${UK_KVM_GUEST_DIR}/clock.c ${UK_KVM_GUEST_DIR}/threads.c
          ${UK_KVM_GUEST_DIR}/pvh_entry.S ${UK_KVM_GUEST_DIR}/pvh.c ${UK_KVM_GUEST_DIR}/standalone.c
  CFLAGS -mgeneral-regs-only -ffreestanding -I${UK_KVM_ABI_DIR}
  DEPENDS ${UK_KVM_ABI_DIR}/uk_kvm_abi.h ${UK_KVM_GUEST_DIR}/kvmplat.h ${UK_KVM_GUEST_DIR}/standalone.h)

# kvmtest (testapp/kvmtest.c): a test-only app, packed for KVM only, that
# misbehaves on purpose (pool writes, hostile hypercalls): tests/kvm.
uk_c_library(kvmtest SOURCES testapp/kvmtest.c CFLAGS -I${UK_KVM_ABI_DIR} DEPENDS ${UK_KVM_ABI_DIR}/uk_kvm_abi.h)

set(_uk_kvm_specs "kvmtest=${UK_LIB_DIR}/boot.o,${UK_LIB_DIR}/musl.o,${UK_LIB_DIR}/gccrt.o,${UK_LIB_DIR}/kvmtest.o,${UK_LIB_DIR}/kvmplat.o")
set(_uk_kvm_outputs)
foreach(spec ${UK_APP_SPECS})
  list(APPEND _uk_kvm_specs "${spec},${UK_LIB_DIR}/kvmplat.o")
endforeach()
foreach(app ${UK_APPS} kvmtest)
  foreach(ext elf img desc)
    list(APPEND _uk_kvm_outputs ${UK_CORPUS_DIR}/${app}/${app}.kvm.${ext})
  endforeach()
endforeach()
add_custom_command(OUTPUT ${_uk_kvm_outputs}
  COMMAND $<TARGET_FILE:uk-slt> --pool ${UK_POOL_DIR} pack --platform kvm --no-platform --out-dir ${UK_CORPUS_DIR} ${_uk_kvm_specs}
  DEPENDS uk-slt ${UK_APP_DEPS} ${UK_LIB_DIR}/kvmplat.o ${UK_LIB_DIR}/kvmtest.o ${outputs}
  COMMENT "uk-slt pack --platform kvm: ${UK_APPS}" VERBATIM)
add_custom_target(corpus-kvm ALL DEPENDS ${_uk_kvm_outputs})
add_dependencies(corpus-kvm corpus)
