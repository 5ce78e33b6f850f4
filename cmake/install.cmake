# Installation and packaging: the two libraries, the public headers, a
# pkg-config file (clogin.pc) and a CMake package (find_package(clogin)
# gives clogin::clogin and clogin::clogin_static).
#
# Included from the top-level CMakeLists.txt after the targets are declared.

include(CMakePackageConfigHelpers)

set(CLOGIN_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/clogin"
    CACHE STRING "Where to install cloginConfig.cmake (relative to the prefix)")
mark_as_advanced(CLOGIN_CMAKE_INSTALL_DIR)

# Exported names: clogin::clogin and clogin::clogin_static.
set_target_properties(clogin PROPERTIES EXPORT_NAME clogin)
set_target_properties(clogin_static PROPERTIES EXPORT_NAME clogin_static)

install(TARGETS clogin clogin_static
  EXPORT cloginTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
          NAMELINK_COMPONENT development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)

# The whole include/ directory: clogin.h now, include/clogin/*.h later.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT development
  FILES_MATCHING PATTERN "*.h")

# --- CMake package -------------------------------------------------------
install(EXPORT cloginTargets
  NAMESPACE clogin::
  FILE cloginTargets.cmake
  DESTINATION ${CLOGIN_CMAKE_INSTALL_DIR}
  COMPONENT development)

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/cloginConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cloginConfig.cmake
  INSTALL_DESTINATION ${CLOGIN_CMAKE_INSTALL_DIR})

# 0.x: a new minor version may break the API, so only the same
# major.minor is compatible until 1.0.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cloginConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)

install(FILES
  ${PROJECT_BINARY_DIR}/cloginConfig.cmake
  ${PROJECT_BINARY_DIR}/cloginConfigVersion.cmake
  DESTINATION ${CLOGIN_CMAKE_INSTALL_DIR}
  COMPONENT development)

# --- pkg-config ----------------------------------------------------------
# Written at install time, so that its paths follow the prefix actually
# installed to (`cmake --install --prefix ...` included), as absolute paths:
# pkg-config then drops the system ones (-I/usr/include) as usual.
foreach(_clogin_dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_clogin_dir}}")
    set(_clogin_pc_${_clogin_dir} "${CMAKE_INSTALL_${_clogin_dir}}")
  else()
    set(_clogin_pc_${_clogin_dir} "\${prefix}/${CMAKE_INSTALL_${_clogin_dir}}")
  endif()
endforeach()
install(CODE "
  set(PROJECT_VERSION [[${PROJECT_VERSION}]])
  set(CLOGIN_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(CLOGIN_PC_LIBDIR [[${_clogin_pc_LIBDIR}]])
  set(CLOGIN_PC_INCLUDEDIR [[${_clogin_pc_INCLUDEDIR}]])
  configure_file([[${PROJECT_SOURCE_DIR}/cmake/clogin.pc.in]]
                 [[${PROJECT_BINARY_DIR}/clogin.pc]] @ONLY)
" COMPONENT development)
install(FILES ${PROJECT_BINARY_DIR}/clogin.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT development)
unset(_clogin_dir)
unset(_clogin_pc_LIBDIR)
unset(_clogin_pc_INCLUDEDIR)
