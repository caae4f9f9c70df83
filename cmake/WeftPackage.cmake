# Install rules, the CMake package and the Debian package.
#
#   cmake --install <build> [--prefix P]   headers, libraries, the weft tool and
#                                          <P>/lib/<arch>/cmake/weft/weftConfig.cmake
#   cpack --config <build>/CPackConfig.cmake -G DEB   weft_<version>_<arch>.deb of the same
#
# A user then writes find_package(weft 0.2 REQUIRED) and links weft::sim (or weft::platform,
# weft::core, weft::traces, weft::properties, weft::gtest, weft::relacy, weft::cli).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/ ${PROJECT_SOURCE_DIR}/core/runtime/include/
                  ${PROJECT_SOURCE_DIR}/traces/include/ ${PROJECT_SOURCE_DIR}/sim/include/
                  ${PROJECT_SOURCE_DIR}/properties/include/ ${PROJECT_BINARY_DIR}/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT weft FILES_MATCHING PATTERN "*.hpp")

set(weft_installed_targets weft_platform weft_core weft_traces weft_sim weft_properties)
if(TARGET weft_checker)
  list(APPEND weft_installed_targets weft_checker)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/checker/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    COMPONENT weft FILES_MATCHING PATTERN "*.hpp")
  install(TARGETS weft RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT weft)
endif()
install(TARGETS ${weft_installed_targets} EXPORT weft-targets COMPONENT weft
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT weft-targets NAMESPACE weft:: DESTINATION ${WEFT_INSTALL_CMAKEDIR} COMPONENT weft)

# The GoogleTest helper and the Relacy platform have dependencies of their own (GoogleTest,
# relacy-dev): separate export sets, loaded by weftConfig.cmake only when those are found.
set(WEFT_PACKAGE_HAS_GTEST OFF)
if(TARGET weft_gtest)
  set(WEFT_PACKAGE_HAS_GTEST ON)
  install(TARGETS weft_gtest EXPORT weft-gtest-targets COMPONENT weft)
  install(EXPORT weft-gtest-targets NAMESPACE weft:: DESTINATION ${WEFT_INSTALL_CMAKEDIR}
    COMPONENT weft)
endif()
set(WEFT_PACKAGE_HAS_RELACY OFF)
if(TARGET weft_relacy)
  set(WEFT_PACKAGE_HAS_RELACY ON)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/checker/relacy/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    COMPONENT weft FILES_MATCHING PATTERN "*.hpp")
  install(TARGETS weft_relacy EXPORT weft-relacy-targets COMPONENT weft
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT weft-relacy-targets NAMESPACE weft:: DESTINATION ${WEFT_INSTALL_CMAKEDIR}
    COMPONENT weft)
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/weftConfig.cmake.in
  ${PROJECT_BINARY_DIR}/weftConfig.cmake INSTALL_DESTINATION ${WEFT_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the interface, so 0.2 accepts 0.2.*, not 0.3.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/weftConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/weftConfig.cmake ${PROJECT_BINARY_DIR}/weftConfigVersion.cmake
  DESTINATION ${WEFT_INSTALL_CMAKEDIR} COMPONENT weft)

# cpack -G DEB: one package of the whole install.
set(CPACK_PACKAGE_NAME weft)
set(CPACK_PACKAGE_VENDOR "the weft developers")
set(CPACK_PACKAGE_CONTACT "weft developers <weft@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libboost-context-dev (>= 1.74), libstdc++6")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libgtest-dev, relacy-dev")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL weft)
include(CPack)
