# `cmake --install build/release --prefix P` puts the embeddable optimizer under P:
#   include/nos/optim.h                      the C API
#   include/nos/optim/{optimizer,schedule}.h the C++ API (optim::Optimizer), with
#   include/nos/dslc/{params,state}.h        the hyperparameters and state table it includes
#   lib/libnos_optim.so                      both, one shared object (LLVM and OpenMP inside)
#   lib/cmake/nos/                           find_package(nos CONFIG): target nos::optim
#   lib/pkgconfig/nos.pc                     pkg-config --cflags --libs nos
#   bin/dslc                                 the rule compiler (canonical forms, --emit=...)
#   share/nos/paper.rules                    the paper's named rules, for dslc -e NAME
#   the Python package nos (see python/README.md) under NOS_PYTHON_INSTALL_DIR
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS nos_optim EXPORT nosTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES capi/nos/optim.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nos)
# The C++ headers keep the source tree's root-relative names ("optim/optimizer.h" includes
# "dslc/params.h"), under include/nos, which the package puts on the include path.
install(FILES optim/optimizer.h optim/schedule.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nos/optim)
install(FILES dslc/params.h dslc/state.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nos/dslc)
install(TARGETS dslc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Where apps/common's default_rules_file() looks from an installed executable (P/bin -> P/share/nos).
install(FILES rules/paper.rules DESTINATION ${CMAKE_INSTALL_DATADIR}/nos)

set(NOS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/nos)
install(EXPORT nosTargets NAMESPACE nos:: DESTINATION ${NOS_CMAKE_DIR})
configure_package_config_file(cmake/nosConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/nosConfig.cmake
  INSTALL_DESTINATION ${NOS_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/nosConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nosConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/nosConfigVersion.cmake
  DESTINATION ${NOS_CMAKE_DIR})

# pkg-config: paths relative to the .pc file's prefix, so a relocated prefix still works.
file(RELATIVE_PATH NOS_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" NOS_PC_TO_PREFIX "${NOS_PC_TO_PREFIX}")
configure_file(cmake/nos.pc.in ${CMAKE_CURRENT_BINARY_DIR}/nos.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nos.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
