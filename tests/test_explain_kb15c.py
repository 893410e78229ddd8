"""Round 15c: the quoted errors of the stacks' official troubleshooting pages (torch_npu docs/zh user guide and
installation FAQ, the CANN troubleshooting guide in hicann/docs, MindOne's SDXL FAQ), each with the category its
page gives as the cause. Texts are verbatim from the page named in the case (placeholders such as %s kept as the
page prints them); the pages whose example logs are only illustrative (hicann/runtime FAQ) are not used."""

import pytest

from explain_support import top_category

TORCH_NPU = "https://github.com/Ascend/pytorch/blob/9e73e708ab9350d203475609f36f8a43f6a0c2ab/docs/zh/"
CANN_DOCS = "https://github.com/hicann/docs/blob/"

# (case id, page, text quoted by the page, expected top category)
CASES = [
    ('pt-hccl-timeout-ei0002',
     TORCH_NPU + 'user_guide/troubleshooting/troubleshooting_cases/HCCL_timeout.md',
     (
      '[W compiler_depend.ts:487] Warning: NPU warning, error code is 507048[Error]: \n'
      '[Error]: The execution of the internal task times out. \n'
      '        Rectify the fault based on the error information in the ascend log.\n'
      'EI0002: [PID: 7277] 2024-11-28-11:59:30.645.648 The wait execution of the Notify'
      ' register times out. Reason: The Notify register has not received the Notify rec'
      'ord from remote rank [unknown].base information: [streamID:[2282987520], taskID['
      '5], tag[AllReduce_90.90.92.240%enp189s0f0_60000_0_1732766162316022], AlgType(lev'
      'el 0-1-2):[fullmesh-ring-ring].] task information: [\n'
      'there are(is) 1 abnormal device(s):\n'
      '    Cluster Exception Location[IP/ID]:[90.90.92.240/1], Arrival Time:[Thu Nov 28'
      ' 11:56:34 2024], Discoverer:[90.90.92.240/0], ExceptionType:[Heartbeat Lost Occu'
      'rred], Possible Reason:1. Process has exited, 2. Network Disconnected\n'
      ']\n'
      '        Possible Cause: 1. An exception occurs during the execution on some NPUs'
      ' in the cluster. As a result, collective communication operation failed.2. The e'
      'xecution speed on some NPU in the cluster is too slow to complete a communicatio'
      'n operation within the timeout interval. (default 1800s, You can set the interva'
      'l by using HCCL_EXEC_TIMEOUT.)3. The number of training samples of each NPU is i'
      'nconsistent.4. Packet loss or other connectivity problems occur on the communica'
      'tion link.'
     ),
     'hccl'),
    ('pt-init-aclsetcompileopt',
     TORCH_NPU + 'user_guide/troubleshooting/troubleshooting_cases/initialization_error.md',
     (
      'File "/home/HwHiAiUser/anaconda3/envs/PyTorch-2.1.0/lib/python3.9/site-packages/'
      'torch/serialization.py", line 359, in _privateuse1_deserialize\n'
      ' return getattr(obj, backend_name)(device_index)\n'
      ' File "/home/HwHiAiUser/anaconda3/envs/PyTorch-2.1.0/lib/python3.9/site-packages'
      '/torch/utils/backend_registration.py", line 225, in wrap_storage_to\n'
      ' untyped_storage = torch.UntypedStorage(\n'
      ' File "/home/HwHiAiUser/anaconda3/envs/PyTorch-2.1.0/lib/python3.9/site-packages'
      '/torch_npu/npu/__init__.py", line 214, in _lazy_init\n'
      ' torch_npu._C._npu_init()\n'
      ' RuntimeError: Initialize:build/CMakeFiles/torch_npu.dir/compiler_depend.ts:217 '
      'NPU function error: at_npu::native::AclSetCompileopt(aclCompileOpt::ACL_PRECISIO'
      'N_MODE, precision_mode), error code is 500001\n'
      ' [ERROR] 2025-01-15-20:59:48 (PID:6038, Device:0, RankID:-1) ERR00100 PTA call a'
      'cl api failed\n'
      ' [Error]: The internal ACL of the system is incorrect.\n'
      ' Rectify the fault based on the error information in the ascend log.'
     ),
     'ascend_inner_error'),
    ('pt-verify-op-params-device',
     TORCH_NPU + 'user_guide/troubleshooting/troubleshooting_cases/failed_verify_op_parameters.md',
     (
      'Traceback (most recent call last):\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/testing/_i'
      'nternal/common_utils.py", line 2388, in wrapper\n'
      '    method(*args, **kwargs)\n'
      '  File "npu/test_fault_mode.py", line 114, in test_param_verification\n'
      '    torch.add(torch.rand(2), torch.rand(2).npu())\n'
      'RuntimeError: Expected all tensors to be on the same device. Expected NPU tensor'
      ', please check whether the input tensor device is correct.\n'
      '[ERROR] 2024-08-18-22:37:51 (PID:53741, Device:0, RankID:-1) ERR01002 OPS invali'
      'd type'
     ),
     'tensor_mismatch'),
    ('pt-operator-called-no-bin',
     TORCH_NPU + 'user_guide/troubleshooting/troubleshooting_cases/operator_called_error.md',
     (
      'Traceback (most recent call last):\n'
      '  File "/home/HwHiAiUser/workspace/qwen2.5-Math-deepseek-R1.py", line 38, in <mo'
      'dule>\n'
      '    generated_ids = model.generate(\n'
      '  File "/home/HwHiAiUser/.local/lib/python3.10/site-packages/torch/utils/_contex'
      'tlib.py", line 115, in decorate_context\n'
      '    return func(*args, **kwargs)\n'
      '  File "/home/HwHiAiUser/.local/lib/python3.10/site-packages/transformers/genera'
      'tion/utils.py", line 1575, in generate\n'
      '    result = self._sample(\n'
      '  File "/home/HwHiAiUser/.local/lib/python3.10/site-packages/transformers/genera'
      'tion/utils.py", line 2690, in _sample\n'
      '    model_kwargs["cache_position"] = torch.arange(cur_len, device=input_ids.devi'
      'ce)\n'
      'RuntimeError: call aclnnArange failed, detail:EZ9999: Inner Error!\n'
      'EZ9999: [PID: 775] 2025-02-16-12:18:25.258.321 Cannot find bin of op Range, inte'
      'gral key 0/1/|int64/ND/int64/ND/int64/ND/int64/ND/.\n'
      '        TraceBack (most recent call last):\n'
      '       Cannot find binary for op Range.\n'
      '       Kernel GetWorkspace failed. opType: 9\n'
      '       ArangeAiCore ADD_TO_LAUNCHER_LIST_AICORE failed.\n'
      '[ERROR] 2025-02-16-12:18:25 (PID:775, Device:0, RankID:-1) ERR01100 OPS call acl'
      ' api failed'
     ),
     'kernel_unsupported'),
    ('pt-unsupported-op-fallback',
     TORCH_NPU + 'user_guide/troubleshooting/troubleshooting_cases/unsupported_op_called.md',
     (
      "[W compiler_depend.ts:51] Warning: CAUTION: The operator 'aten::linalg_lstsq.out"
      "' is not currently supported on the NPU backend and will fall back to run on the"
      ' CPU. This may have performance implications. (function npu_cpu_fallback)\n'
      'Traceback (most recent call last):\n'
      '  File "temp_1.py", line 4, in <module>\n'
      '    torch.linalg.lstsq(torch.randn(1, 3, 3).npu(), torch.randn(2, 3, 3).npu())\n'
      'RuntimeError: _copy_from_and_resize now only support copy with same size!\n'
      '[ERROR] 2024-11-28-11:37:15 (PID:6547, Device:0, RankID:-1) ERR01007 OPS feature'
      ' not supported'
     ),
     'kernel_unsupported'),
    ('pt-port-in-use',
     TORCH_NPU + 'user_guide/troubleshooting/troubleshooting_cases/port_number_distributed_task_in_use.md',
     (
      'torch.distributed.run: [WARNING] *****************************************\n'
      '[W socket.cpp:436] [c10d] The server socket has failed to bind to [::]:29500 (er'
      'rno: 98 - Address already in use).\n'
      '[W socket.cpp:436] [c10d] The server socket has failed to bind to ?UNKNOWN? (err'
      'no: 98 - Address already in use).\n'
      '[E socket.cpp:472] [c10d] The server socket has failed to listen on any local ne'
      'twork address.\n'
      'Traceback (most recent call last):\n'
      '  File "/root/miniconda3/envs/pt2.1/bin/torchrun", line 8, in <module>\n'
      '    sys.exit(main())\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/elastic/multiprocessing/errors/__init__.py", line 346, in wrapper\n'
      '    return f(*args, **kwargs)\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/run.py", line 806, in main\n'
      '    run(args)\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/run.py", line 797, in run\n'
      '    elastic_launch(\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/launcher/api.py", line 134, in __call__\n'
      '    return launch_agent(self._config, self._entrypoint, list(args))\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/launcher/api.py", line 255, in launch_agent\n'
      '    result = agent.run()\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/elastic/metrics/api.py", line 124, in wrapper\n'
      '    result = f(*args, **kwargs)\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/elastic/agent/server/api.py", line 736, in run\n'
      '    result = self._invoke_run(role)\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/elastic/agent/server/api.py", line 871, in _invoke_run\n'
      '    self._initialize_workers(self._worker_group)\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/elastic/metrics/api.py", line 124, in wrapper\n'
      '    result = f(*args, **kwargs)\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/elastic/agent/server/api.py", line 705, in _initialize_workers\n'
      '    self._rendezvous(worker_group)\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/elastic/metrics/api.py", line 124, in wrapper\n'
      '    result = f(*args, **kwargs)\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/elastic/agent/server/api.py", line 546, in _rendezvous\n'
      '    store, group_rank, group_world_size = spec.rdzv_handler.next_rendezvous()\n'
      '  File "/root/miniconda3/envs/pt2.1/lib/python3.8/site-packages/torch/distribute'
      'd/elastic/rendezvous/static_tcp_rendezvous.py", line 54, in next_rendezvous\n'
      '    self._store = TCPStore(  # type: ignore[call-arg]\n'
      'RuntimeError: The server socket has failed to listen on any local network addres'
      's. The server socket has failed to bind to [::]:29500 (errno: 98 - Address alrea'
      'dy in use). The server socket has failed to bind to ?UNKNOWN? (errno: 98 - Addre'
      'ss already in use).'
     ),
     'dist_launch'),
    ('pt-ez3002-template',
     TORCH_NPU + 'user_guide/troubleshooting/error_information_analysis_guide/error_information_analysis/error_information_analysis_process.md',
     (
      'EZ3002: 2024-11-05-22:31:29.035.909 Optype [%s] of Ops kernel [%s] is unsupporte'
      'd. Reason: %s.\n'
      'ERR00100 PTA call acl api failed'
     ),
     'kernel_unsupported'),
    ('pt-isin-bf16',
     TORCH_NPU + 'user_guide/troubleshooting/error_information_analysis_guide/error_information_classification/command_output.md',
     (
      'Traceback (most recent call last):\n'
      '  File "<stdin>", line 1, in <module>\n'
      'RuntimeError: Unsupported input type encountered for isin(): BFloat16'
     ),
     'kernel_unsupported'),
    ('pt-err00002-alone',
     TORCH_NPU + 'user_guide/troubleshooting/error_code_description/error_code_mechanism.md',
     (
      '[ERROR] 2024-03-07-01:31:48 (PID:116072, Device:0, RankID:-1) ERR00002 PTA inval'
      'id type'
     ),
     'ascend_inner_error'),
    ('pt-faq-libgfortran-link',
     TORCH_NPU + 'installation_guide/faq.md',
     (
      '    [100%] Linking CXX executable libtorch_resnet\n'
      '    /usr/bin/ld: warning: libgfortran-b6d57c85.so.5.0.0, needed by /usr/local/py'
      'thon3.8.5/lib/python3.8/site-packages/torch/lib/../../torch.libs/libopenblasp-r0'
      '-56e95da7.3.24.so, not found (try using     -rpath or -rpath-link)\n'
      '    /usr/bin/ld: /usr/local/python3.8.5/lib/python3.8/site-packages/torch/lib/..'
      '/../torch.libs/libopenblasp-r0-56e95da7.3.24.so: undefined reference to `_gfortr'
      "an_concat_string@GFORTRAN_8'\n"
      '    /usr/bin/ld: /usr/local/python3.8.5/lib/python3.8/site-packages/torch/lib/..'
      '/../torch.libs/libopenblasp-r0-56e95da7.3.24.so: undefined reference to `_gfortr'
      "an_etime@GFORTRAN_8'\n"
      '    collect2: error: ld returned 1 exit status\n'
      '    make[2]: *** [CMakeFiles/libtorch_resnet.dir/build.make:101: libtorch_resnet'
      '] Error 1\n'
      '    make[1]: *** [CMakeFiles/Makefile2:83: CMakeFiles/libtorch_resnet.dir/all] E'
      'rror 2\n'
      '    make: *** [Makefile:91: all] Error 2\n'
      '    '
     ),
     'install'),
    ('pt-faq-submodule-missing',
     TORCH_NPU + 'installation_guide/faq.md',
     (
      'Traceback (most recent call last):\n'
      '  File "/opt/_internal/cpython-3.9.21/lib/python3.9/runpy.py", line 197, in _run'
      '_module_as_main\n'
      '    return _run_code(code, main_globals, None,\n'
      '  File "/opt/_internal/cpython-3.9.21/lib/python3.9/runpy.py", line 87, in _run_'
      'code\n'
      '    exec(code, run_globals)\n'
      '  File "/home/pytorch/torchnpugen/gen_backend_stubs.py", line 948, in <module>\n'
      '    main()\n'
      '  File "/home/pytorch/torchnpugen/gen_backend_stubs.py", line 400, in main\n'
      '    run(options.source_yaml, options.output_dir, options.dry_run,\n'
      '  File "/home/pytorch/torchnpugen/gen_backend_stubs.py", line 823, in run\n'
      '    merge_custom_yaml(source_yaml, op_plugin_yaml_path)\n'
      '  File "/home/pytorch/torchnpugen/utils.py", line 153, in merge_custom_yaml\n'
      '    PathManager.check_directory_path_readable(op_plugin_path)\n'
      '  File "/home/pytorch/torchnpugen/utils.py", line 94, in check_directory_path_re'
      'adable\n'
      '    cls.check_path_owner_consistent(path)\n'
      '  File "/home/pytorch/torchnpugen/utils.py", line 80, in check_path_owner_consis'
      'tent\n'
      '    raise RuntimeError(msg)\n'
      'RuntimeError: The path does not exist: /home/pytorch/third_party/op-plugin/op_pl'
      'ugin/config/v2r7/op_plugin_functions.yaml'
     ),
     'install'),
    ('pt-faq-crlf',
     TORCH_NPU + 'installation_guide/faq.md',
     (
      "ci/build.sh: line 2: $'\\r': command not found\n"
      ': invalid optione 3: set: -\n'
      'set: usage: set [-abefhkmnptuvxBCHP] [-o option-name] [--] [arg ...]\n'
      "ci/build.sh: line 4: $'\\r': command not found\n"
      "ci/build.sh: line 9: $'\\r': command not found\n"
      "ci/build.sh: line 11: syntax error near unexpected token `$'{\\r''\n"
      "'i/build.sh: line 11: `function parse_script_args() {"
     ),
     'host_system'),
    ('pt-faq-cmake-too-new',
     TORCH_NPU + 'installation_guide/faq.md',
     (
      'CMake Error at third_party/Tensorpipe/third_party/libuv/CMakeLists.txt:1 (cmake_'
      'minimum_required):\n'
      '  Compatibility with CMake < 3.5 has been removed from CMake.'
     ),
     'version_skew'),
    ('pt-faq-symlink-header',
     TORCH_NPU + 'installation_guide/faq.md',
     (
      '/home/pytorch/third_party/torchair/torchair/third_party/ascend/include/ascendcl/'
      'external/acl/error_codes/rt_error_codes.h:1:1: error: expected unqualified-id be'
      'fore ‘.’ token'
     ),
     'install'),
    ('pt-faq-filesystem-header',
     TORCH_NPU + 'installation_guide/faq.md',
     (
      "fatal error: 'filesystem' file not found"
     ),
     'install'),
    ('pt-faq-wheel-platform',
     TORCH_NPU + 'installation_guide/faq.md',
     (
      'ERROR: torch_npuxxx.whl is not a supported wheel on this platform'
     ),
     'install'),
    ('pt-faq-libhccl',
     TORCH_NPU + 'installation_guide/faq.md',
     (
      'ImportError: libhccl.so: cannot open shared object file: No such file or directo'
      'ry'
     ),
     'cann_env'),
    ('pt-faq-torch-npu-c',
     TORCH_NPU + 'installation_guide/faq.md',
     (
      'Traceback (most recent call last):\n'
      '  File "<stdin>", line 1, in <module>\n'
      '  File "/home/pytorch/torch_npu/__init__.py", line 58, in <module>\n'
      '    import torch_npu.utils.patch_getenv\n'
      '  File "/home/pytorch/torch_npu/utils/__init__.py", line 12, in <module>\n'
      '    from torch_npu.npu.utils import get_cann_version\n'
      '  File "/home/pytorch/torch_npu/npu/__init__.py", line 158, in <module>\n'
      '    from .utils import (obfuscation_initialize, obfuscation_calculate, obfuscati'
      'on_finalize, \n'
      '  File "/home/pytorch/torch_npu/npu/utils.py", line 11, in <module>\n'
      '    import torch_npu._C\n'
      "ModuleNotFoundError: No module named 'torch_npu._C'"
     ),
     'install'),
    ('pt-pgo-faq-libomp',
     TORCH_NPU + 'developer_notes/operator_dispatch/compilation_optimization/compilation_optimization_faq.md',
     (
      'Error while loading shared libraries: libomp.so: cannot open shared object file:'
      ' No such file or directory.'
     ),
     'install'),
    ('cann-acl-init-device-info',
     CANN_DOCS + 'c94cf50db06875e8676294422073d21318b183fb/docs/troubleshooting/zh/acl_init_permission_denied.md',
     (
      '[ERROR] RUNTIME(89696,main):2023-03-07-17:13:27.994.635 [runtime.cc:1065]89696 C'
      'heckHaveDevice:[INIT][DEFAULT]Call halGetDeviceInfo failed: drvRet=4, module typ'
      'e=0, info type=1.\n'
      '[ERROR] ASCENDCL(89696,main):2023-03-07-17:13:27.994.723 [acl.cpp:164]89696 aclI'
      'nit: [INIT][DEFAULT][Init][Version]init soc version failed, ret = 507008\n'
      '[ERROR] RUNTIME(89696,main):2023-03-07-17:13:27.994.774 [api_impl.cc:3490]89696 '
      'GetDevErrMsg:report error module_type=3, module_name=EE8888\n'
      '[ERROR] RUNTIME(89696,main):2023-03-07-17:13:27.994.798 [api_impl.cc:3490]89696 '
      'GetDevErrMsg:ctx is NULL!\n'
      '[ERROR] RUNTIME(89696,main):2023-03-07-17:13:27.994.827 [api_impl.cc:3546]89696 '
      'GetDevMsg:Failed to GetDeviceErrMsg, retCode=0x7070001.\n'
      '[ERROR] RUNTIME(89696,main):2023-03-07-17:13:27.994.849 [logger.cc:1348]89696 Ge'
      'tDevMsg:GetDeviceMsg failed, getMsgType=0.\n'
      '[ERROR] RUNTIME(89696,main):2023-03-07-17:13:27.994.888 [api_c.cc:3595]89696 rtG'
      'etDevMsg:ErrCode=107002, desc=[context pointer null], InnerCode=0x7070001\n'
      '[ERROR] RUNTIME(89696,main):2023-03-07-17:13:27.994.910 [error_message_manage.cc'
      ':49]89696 FuncErrorReason:report error module_type=3, module_name=EE8888\n'
      '[ERROR] RUNTIME(89696,main):2023-03-07-17:13:27.994.932 [error_message_manage.cc'
      ':49]89696 FuncErrorReason:rtGetDevMsg execute failed, reason=[context pointer nu'
      'll]\n'
      'EL0003: The argument is invalid.\n'
      '        Solution: Try again with a valid argument.\n'
      '        TraceBack (most recent call last):\n'
      '        [Init][Version]init soc version failed, ret = 507008[FUNC:ReportInnerErr'
      'or][FILE:log_inner.cpp][LINE:145]\n'
      '        ctx is NULL![FUNC:GetDevErrMsg][FILE:api_impl.cc][LINE:3490]\n'
      '        rtGetDevMsg execute failed, reason=[context pointer null][FUNC:FuncError'
      'Reason][FILE:error_message_manage.cc][LINE:49]\n'
      ' \n'
      '[ERROR] acl init failed\n'
      '[ERROR] Sample init resource failed'
     ),
     'device_unavailable'),
    ('cann-aicpu-dim-over-8',
     CANN_DOCS + 'b0042ffb48541b2898f3fccb9f52ea8c733212be/docs/troubleshooting/zh/ai_cpu_operator_dim_over_8_error.md',
     (
      '[ERROR] OP(1491846,main):2024-09-27-10:49:20.272.060 [aicpu_ext_info_handle.cpp:'
      '290][NNOP][UpdateShape][1491965] errno[561000] OpName:[aclnnGatherV2_0_GatherV2A'
      'iCPU] shape dim num should be less than 8, but got [9].\n'
      '[INFO] GE(1491846,main):2024-09-27-10:49:20.272.133 [error_manager.cc:411]149196'
      '5 ReportErrMessage:report error_message, error_code:EZ9999, work_stream_id:14918'
      '6091965, error_mode:0.\n'
      '[ERROR] OP(1491846,main):2024-09-27-10:49:20.272.448 [aicpu_ext_info_handle.cpp:'
      '290][NNOP][UpdateShape][1491965] errno[561000] OpName:[aclnnGatherV2_0_GatherV2A'
      'iCPU] shape dim num should be less than 8, but got [9].\n'
      '[INFO] GE(1491846,main):2024-09-27-10:49:20.272.473 [error_manager.cc:411]149196'
      '5 ReportErrMessage:report error_message, error_code:EZ9999, work_stream_id:14918'
      '6091965, error_mode:0.\n'
      '[ERROR] OP(1491846,main):2024-09-27-10:49:20.272.491 [aicpu_ext_info_handle.cpp:'
      '101][NNOP][AppendExtInfoShape][1491965] errno[561000] OpName:[aclnnGatherV2_0_Ga'
      'therV2AiCPU] Assert ((UpdateShape(shape, &inputs[index])) == OK) failed'
     ),
     'kernel_unsupported'),
    ('cann-aicpu-scalar-input',
     CANN_DOCS + 'c94cf50db06875e8676294422073d21318b183fb/docs/troubleshooting/zh/ai_cpu_operator_scalar_input_error.md',
     (
      '[ERROR] RUNTIME(16243,msame):2022-09-22-11:27:01.793.990 [task.cc:759]16282 Prin'
      'tAicpuErrorInfo:Aicpu kernel execute failed, device_id=0, stream_id=7, task_id=2'
      '.\n'
      '[ERROR] RUNTIME(16243,msame):2022-09-22-11:27:01.794.510 [api_c.cc:661]16243 rtS'
      'treamSynchronize:[EXEC][DEFAULT]ErrCode=507018, desc=[aicpu exception], InnerCod'
      'e=0x715002a\n'
      '[ERROR] AICPU(28880,aicpu_scheduler):2025-03-05-17:32:22.832.371 [gatherv2.cc:15'
      '7][GetInputAndCheck][tid:28891]Shape must be at least rank [1] but is rank [0]\n'
      '[ERROR] AICPU(28880,aicpu_scheduler):2025-03-05-17:32:22.832.384 [gatherv2.cc:17'
      '3][Compute][tid:28891]GetInputAndCheck failed\n'
      '[ERROR] CCECPU(28880,aicpu_scheduler):2025-03-05-17:32:22.832.425 [aicpusd_event'
      '_process.cpp:666][PostProcessTsKernelTask][tid:28891] Aicpu engine process faile'
      'd, result[4294967295], opName[GatherV2], streamId[2], taskId[0].'
     ),
     'kernel_unsupported'),
    ('cann-om-opp-version',
     CANN_DOCS + 'b0042ffb48541b2898f3fccb9f52ea8c733212be/docs/troubleshooting/zh/operator_lib_version_load_failed.md',
     (
      'E19999: Internal error\n'
      'E19999 The opp version of the model does not match the current opp run package, '
      'Model is [6.4.T11.0.B300], opp run package is [7.0.T3.0.B107], try to convert th'
      'e om again!'
     ),
     'cann_env'),
    ('cann-op-ir-not-registered',
     CANN_DOCS + 'b0042ffb48541b2898f3fccb9f52ea8c733212be/docs/troubleshooting/zh/operator_prototype_not_registered.md',
     (
      'IR for op[%s] optype[%s] is not registered.'
     ),
     'graph_compile_crash'),
    ('cann-op-no-ir-factory',
     CANN_DOCS + 'b0042ffb48541b2898f3fccb9f52ea8c733212be/docs/troubleshooting/zh/operator_prototype_not_registered.md',
     (
      'op[%s] type[%s] have no ir factory.'
     ),
     'graph_compile_crash'),
    ('cann-parser-op-type',
     CANN_DOCS + 'b0042ffb48541b2898f3fccb9f52ea8c733212be/docs/troubleshooting/zh/operator_plugin_not_registered.md',
     (
      "Check op[%s]'s type[%s] failed, it is not supported."
     ),
     'graph_compile_crash'),
    ('cann-hbm-ecc',
     CANN_DOCS + 'c94cf50db06875e8676294422073d21318b183fb/docs/troubleshooting/zh/hbm_bit_ecc_fault.md',
     (
      '/hisi_logs/device-2/20240420162417-271713000/bbox/kbox.txt:2014[2454.830692] {6}'
      '[Hardware Error] Hardware error from APEI Generic Hardware Error Source: 0\n'
      '/hisi_logs/device-2/20240420162417-271713000/bbox/kbox.txt:2015[2454.830693] {6}'
      '[Hardware Error]event severity: recoverable\n'
      '/hisi_logs/device-2/20240420162417-271713000/bbox/kbox.txt:2016[2454.830694] {6}'
      '[Hardware Error] Error 0, type: recoverable\n'
      '/hisi_logs/device-2/20240420162417-271713000/bbox/kbox.txt:2017[2454.830696] {6}'
      '[Hardware Error]  section_type: memory error\n'
      '/hisi_logs/device-2/20240420162417-271713000/bbox/kbox.txt:2018[2454.830697] {6}'
      '[Hardware Error]  physical_address: 0x0000101efe36d3c0\n'
      '/hisi_logs/device-2/20240420162417-271713000/bbox/kbox.txt:2019[2454.830699] {6}'
      '[Hardware Error]  node: 2 card: 259 module: 51 rank: 1 bank: 10 row: 30691  colu'
      'mn: 56\n'
      '/hisi_logs/device-2/20240420162417-271713000/bbox/kbox.txt:2020[2454.830701] {6}'
      '[Hardware Error]  error_type: 3, multi-bit ECC\n'
      '/hisi_logs/device-2/20240420162417-271713000/bbox/kbox.txt:2024[2454.830702] {6}'
      '[Hardware Error]  DIMM location: not present. DMI handle: 0x0000'
     ),
     'device_unavailable'),
    ('cann-aicore-cache-ecc',
     CANN_DOCS + 'b0042ffb48541b2898f3fccb9f52ea8c733212be/docs/troubleshooting/zh/ai_core_hardware_fault.md',
     (
      'plog/plog-377228_20240402154414713.log:70:[ERROR] RUNTIME(377228,ascend-dmi):202'
      '4-04-02-15:49:01.883.834 [device_error_proc.cc:1164] 377265 ProcessStarsCoreErro'
      'rInfo:The error from device(chipId:2, dield:0), serial number is 4, there is an '
      'fftsplus aivector error exception, core id is 34, error code = 0, dump info: pc '
      'start: 0x12406ce78f54, current: 0x12406ce7C430, vec error info: 0xef1d17c368, mt'
      'e error info: 0xf3dff1cf9b, ifu error info: 0x63f70dc00e200, ccu error info : 0x'
      '6f6d518f0004d700, cube error info: 0, biu error info: 0, aic error mask: 0x65000'
      '20bd000288, para base: 0x1240403e5000． \n'
      'plog/plog-377228_20240402154414713.log:71:[ERROR] RUNTIME(377228,ascend-dmi):202'
      '4-04-02-15:49:01.883.875 [device_error_proc.cc:1176] 377265 ProcessStarsCoreErro'
      'rInfo: report error module_type=5, module_name=EZ9999\n'
      'plog/plog-377228_20240402154414713.log:72:[ERROR] RUNTIME(377228,ascend-dmi):202'
      '4-04-02-15:49:01.883.876 [device_error_proc.cc:1176] 377265 ProcessStarsCoreErro'
      'rInfo: The extend info: errcode:(0, 0x80000000, 0) errorStr: A 2-bit ECC error o'
      'ccurs in the data-cache data-ram. fixp_error0 info: 0xff1cf9b, fixp_error1 info:'
      ' 0xf3 fsmId:0, tslot:0, ctxid:0, blk:16, subblk:0, subErrType:4.'
     ),
     'device_unavailable'),
    ('cann-device-oom-physical',
     CANN_DOCS + 'b0042ffb48541b2898f3fccb9f52ea8c733212be/docs/troubleshooting/zh/memory_oom_description.md',
     (
      '[ERROR] DRV(4176881,python3.7):2024-06-29-16:19:28.520.037 [ascend][curpid: 4176'
      '881, 4176881][drv][devmm][share_log_read_in_single_module 634]Msg send failed. ('
      'ret=-12; devid=0; vfid=0; host_pid=4176881)\n'
      '[ERROR] DRV(4176881,python3.7):2024-06-29-16:19:28.520.085 [ascend][curpid: 4176'
      '881, 4176881][drv][devmm][halMemCreate 3073]<errno:12, 6> Mem create failed. (re'
      't=6; size=20971520; side=1; devid=0)\n'
      '[ERROR] RUNTIME(4176881,python3.7):2024-06-29-16:19:28.521.874 [npu_driver.cc:57'
      '57]4176881 MallocPhysical:[INIT][DEFAULT][drv api]halMemCreate failed. drvRetCod'
      'e=6.\n'
      '[ERROR] RUNTIME(4176881,python3.7):2024-06-29-16:19:28.521.933 [api_c.cc:4738]41'
      '76881 rtMallocPhysical:[INIT][DEFAULT]ErrCode=207001, desc=[driver error:out of '
      'memory], InnerCode=0x7020016\n'
      '[ERROR] RUNTIME(4176881,python3.7):2024-06-29-16:19:28.521.939 [error_message_ma'
      'nage.cc:53]4176881 FuncErrorReason:[INIT][DEFAULT]report error module_type=3, mo'
      'dule_name=EE8888\n'
      '[ERROR] RUNTIME(4176881,python3.7):2024-06-29-16:19:28.521.947 [error_message_ma'
      'nage.cc:53]4176881 FuncErrorReason:[INIT][DEFAULT]rtMallocPhysical execute faile'
      'd, reason=[driver error:out of memory]\n'
      '[ERROR] ASCENDCL(4176881,python3.7):2024-06-29-16:19:28.521.991 [memory.cpp:634]'
      '4176881 aclrtMallocPhysical: [INIT][DEFAULT]malloc physical memory failed, runti'
      'me result = 207001'
     ),
     'device_oom'),
    ('cann-msaicerr-env',
     CANN_DOCS + 'b0042ffb48541b2898f3fccb9f52ea8c733212be/docs/troubleshooting/zh/system_env_hardware_issue.md',
     (
      '"**********************Root cause conclusion******************"\n'
      'Failed to execute the built-in sample operator. Check the environment.'
     ),
     'device_unavailable'),
    ('cann-aicore-exception',
     CANN_DOCS + 'b0042ffb48541b2898f3fccb9f52ea8c733212be/docs/troubleshooting/zh/ai_core_operator_execution_error.md',
     (
      '[ERROR] RUNTIME(4150867,msame):2022-09-22-09:27:46.403.262 [engine.cc:1103]41508'
      '67 ReportExceptProc:[EXEC][DEFAULT]Task exception! device_id=0, stream_id=20, ta'
      'sk_id=1, type=13, retCode=0x91, [the model stream execute failed].\n'
      '[ERROR] RUNTIME(4150867,msame):2022-09-22-09:27:46.404.423 [device_error_proc.cc'
      ':495]4150867 PrintCoreErrorInfo:[EXEC][DEFAULT]The error from device(0), serial '
      'number is 193, there is an aicore error, core id is 8, error code = 0x800000, du'
      'mp info: pc start: 0x800120080047000, current: 0x1200800471cc, vec error info: 0'
      'x7cafc4e, mte error info: 0x3000052, ifu error info: 0xc33f87bd7a80, ccu error i'
      'nfo: 0xffd2bbd5005fe9d7, cube error info: 0x84, biu error info: 0, aic error mas'
      'k: 0x65000200d000288, para base: 0x120080016300, errorStr: The DDR address of th'
      'e MTE instruction is out of range.\n'
      '[ERROR] RUNTIME(4150867,msame):2022-09-22-09:27:46.404.607 [task.cc:1021]4150867'
      ' PrintErrorInfo:[EXEC][DEFAULT]Aicore kernel execute failed, device_id=0, stream'
      '_id=23, report_stream_id=20, task_id=24, flip_num=0, fault kernel_name=168057361'
      '18314619649-1_0_1_Add_35, func_name=te_add_729e2a87c649f49de98ac1a6fd491b3262ee7'
      'db9c1c2d6f4add7d7439aa3d22e_1__kernel0, program id=22, hash=3338199064661472585.'
      '\n'
      '[ERROR] ASCENDCL(4150867,msame):2022-09-22-09:27:46.404.834 [model.cpp:699]41508'
      '67 ModelExecute: [EXEC][DEFAULT][Exec][Model]Execute model failed, ge result[507'
      '011], modelId[1]'
     ),
     'ascend_inner_error'),
    ('cann-sample-acl-header',
     CANN_DOCS + 'c94cf50db06875e8676294422073d21318b183fb/docs/troubleshooting/zh/build_app_missing_header_lib.md',
     (
      ' fatal error: acl/acl.h: No such file or directory\n'
      ' #include "acl/acl.h"\n'
      '          ^~~~~~~~~~~\n'
      'compilation terminated.\n'
      "CMakeFiles/main.dir/build.make:62: recipe for target 'CMakeFiles/main.dir/main.c"
      "pp.o' failed\n"
      'make[2]: *** [CMakeFiles/main.dir/main.cpp.o] Error 1'
     ),
     'cann_env'),
    ('cann-sample-lascendcl',
     CANN_DOCS + 'c94cf50db06875e8676294422073d21318b183fb/docs/troubleshooting/zh/build_app_missing_header_lib.md',
     (
      '/usr/bin/ld: cannot find -lascendcl\n'
      'collect2: error: ld returned 1 exit status\n'
      "CMakeFiles/main.dir/build.make:94: recipe for target '/home/HwHiAiUser/sample/re"
      "snet50_firstapp/out/main' failed\n"
      'make[2]: *** [/home/HwHiAiUser/sample/resnet50_firstapp/out/main] Error 1'
     ),
     'cann_env'),
    ('mindone-sdxl-faq-tokenizer',
     'https://github.com/mindspore-lab/mindone/blob/2c37e5a8eb61e844b8936ce819622ae94515da73/examples/stable_diffusion_xl/docs/faq_cn.md',
     (
      "Can't load tokenizer for 'openai/clip-vit-large-patch14'"
     ),
     'missing_weights'),
]


@pytest.mark.parametrize("cid,page,text,expected", CASES, ids=[c[0] for c in CASES])
def test_documented_case_gets_its_category(cid, page, text, expected):
    assert top_category(text) == expected, (cid, page)
