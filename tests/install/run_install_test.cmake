# Installs the build tree into a fresh prefix, then builds and runs the embedding examples (C++
# and C) and the C API test out of tree against that prefix: once through find_package(nos
# CONFIG), once through pkg-config with the plain compilers. Every program must load the
# installed libnos_optim.so. Run by ctest (tests/install/CMakeLists.txt) with
#   -DBUILD_DIR=<build tree> -DSOURCE_DIR=<source tree> -DWORK=<scratch dir>
foreach(v BUILD_DIR SOURCE_DIR WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_install_test.cmake: -D${v}=... is required")
  endif()
endforeach()
set(PREFIX ${WORK}/prefix)
file(REMOVE_RECURSE ${WORK})

function(run)
  cmake_parse_arguments(R "" "OUT" "CMD;ENV" ${ARGN})
  execute_process(COMMAND ${CMAKE_COMMAND} -E env ${R_ENV} ${R_CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(JOIN " " cmd ${R_CMD})
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  if(R_OUT)
    set(${R_OUT} "${out}" PARENT_SCOPE)
  endif()
endfunction()

# The programs must print the end of their run and resolve libnos_optim.so inside the prefix.
function(check_program exe expect)
  run(CMD ${exe} OUT out)
  if(NOT out MATCHES "${expect}")
    message(FATAL_ERROR "${exe}: expected '${expect}' in its output:\n${out}")
  endif()
  run(CMD ldd ${exe} OUT deps)
  string(REGEX MATCH "libnos_optim[^\n]*" line "${deps}")
  if(NOT line MATCHES "=> ${PREFIX}/")
    message(FATAL_ERROR "${exe} does not load the installed libnos_optim.so: ${line}")
  endif()
  message(STATUS "ok: ${exe} (${line})")
endfunction()

run(CMD ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})
foreach(f include/nos/optim.h include/nos/optim/optimizer.h include/nos/dslc/params.h lib/cmake/nos/nosConfig.cmake lib/pkgconfig/nos.pc bin/dslc share/nos/paper.rules)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "the install tree lacks ${f}")
  endif()
endforeach()

# 1. CMake package.
run(CMD ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer -B ${WORK}/cmake -G Ninja -DCMAKE_BUILD_TYPE=Release
        -DCMAKE_PREFIX_PATH=${PREFIX} -DNOS_PREFIX=${PREFIX} -DNOS_SOURCE=${SOURCE_DIR})
run(CMD ${CMAKE_COMMAND} --build ${WORK}/cmake)
check_program(${WORK}/cmake/embed_cpp "restored the checkpoint of step 250")
check_program(${WORK}/cmake/embed_c "restored the checkpoint of step 250")
check_program(${WORK}/cmake/capi_test "checks passed")

# 2. pkg-config, the compilers called by hand as a Makefile would.
set(pc_env PKG_CONFIG_PATH=${PREFIX}/lib/pkgconfig)
run(CMD pkg-config --cflags --libs nos ENV ${pc_env} OUT flags)
string(STRIP "${flags}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
file(MAKE_DIRECTORY ${WORK}/pc)
run(CMD cc -O2 ${SOURCE_DIR}/tests/capi/capi_test.c ${flags} -lm -o ${WORK}/pc/capi_test)
# The C++ headers are C++20 (state.h uses std::span), as the CMake package says (cxx_std_20).
run(CMD c++ -O2 -std=c++20 ${SOURCE_DIR}/optim/examples/embed_optimizer.cpp ${flags} -o ${WORK}/pc/embed_cpp)
check_program(${WORK}/pc/capi_test "checks passed")
check_program(${WORK}/pc/embed_cpp "restored the checkpoint of step 250")
# 3. Python: the installed package, imported from the prefix with the interpreter it was built for.
if(DEFINED PYTHON)
  set(site ${PREFIX}/${PYTHON_DIR})
  run(CMD ${PYTHON} ${SOURCE_DIR}/python/examples/embed_optimizer.py ENV PYTHONPATH=${site} PYTHONDONTWRITEBYTECODE=1 OUT out)
  if(NOT out MATCHES "restored the checkpoint of step 250" OR NOT out MATCHES "torch step 500")
    message(FATAL_ERROR "python/examples/embed_optimizer.py against ${site}:\n${out}")
  endif()
  run(CMD ${PYTHON} -c "print(__import__('nos').__file__)" ENV PYTHONPATH=${site} PYTHONDONTWRITEBYTECODE=1 OUT where)
  if(NOT where MATCHES "^${site}/")
    message(FATAL_ERROR "import nos found ${where}, not the installed ${site}")
  endif()
  message(STATUS "ok: python/examples/embed_optimizer.py with nos from ${where}")
  # The installed dslc's generated port runs with nothing but torch (no nos on the path). The rule
  # by name, run from / so that only the installed share/nos/paper.rules can name it.
  run(CMD ${CMAKE_COMMAND} -E chdir / ${PREFIX}/bin/dslc --emit=torch -e powersign -o ${WORK}/powersign_port.py)
  run(CMD ${PYTHON} -c "import sys, torch\nsys.path.insert(0, '${WORK}')\nfrom powersign_port import Powersign\np = torch.nn.Parameter(torch.ones(3))\np.grad = torch.ones(3)\nPowersign([p], lr=0.5).step()\nprint(p.tolist())"
      ENV PYTHONDONTWRITEBYTECODE=1 OUT port)
  # One step from m = 0: m = 0.1 g, so w = 1 - 0.5 * 1 * e^{1}.
  if(NOT port MATCHES "-0\\.359140")
    message(FATAL_ERROR "the generated PowerSign port printed ${port}")
  endif()
  message(STATUS "ok: the installed dslc's --emit=torch port steps with torch alone: ${port}")
endif()
message(STATUS "install test: all programs built and ran against ${PREFIX}")
