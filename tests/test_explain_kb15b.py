"""MindSpore's own FAQ (mindspore-ai/docs, docs/mindspore/source_en/faq) checked against explain (helper kb15b, round
15): the error texts the FAQ quotes, verbatim, with the category of the cause the FAQ gives. Entries explain answered
right before this round are regression cases; the others are the families AF420-AF429 and the widened AF152 (their
own examples run in tests/test_explain_kb.py). None: a FAQ line that is a harmless warning or names no cause explain
can own, where explain must stay silent. (The Chinese FAQ pages of several topics are validation sources: not cited.)
"""

import pytest

from explain_support import top_category


CASES = [
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('ERROR: mindspore_{VERSION}.whl is not a supported wheel on this platform', 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('ERROR: mindspore-{VERSION}.whl is not a supported wheel on this platform', 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('SSL:CERTIFICATE_VERIFY_FATLED', None),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('No matching distribution found for XXX', 'pip_conflict'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('Could not find a version that satisfies the requirement', 'pip_conflict'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ("Running setup.py install for pillow: finished with status 'error' ... The headers or library files could not be found for jpeg, ...", 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('error: metadata-generation-failed', 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ("RuntimeError: json.exception.parse_error.101 parse error at line 1, column 1: syntax error while parsing value - invalid literal; last read: 'T'", 'cann_env'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('ImportError: dlopen ... Library not loaded: @rpath/libffi.7.dylib', 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('Cmake Error at cmake/utils.cmake:301 (message): Failed patch:', 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('SetuptoolsDeprecationWarning: setup.py install is deprecated ...', None),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ("No module named 'mindspore.version", 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ("ModuleNotFoundError: No module named 'te'", 'cann_env'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('error while loading shared libraries: libpython3.so: cannot open shared object file: No such file or directory', 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('the pointer[session] is null', None),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('No module named mindspore._extends.remote', 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('/{your_path}/libgomp.so.1: cannot allocate memory in static TLS block', 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ('ImportError: libgmpxx.so: cannot open shared object file: No such file or directory', 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ("UserWarning: The value of the smallest subnormal for <class 'numpy.float64'> type is zero.", None),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ("AttributeError: module 'six' has no attribute 'ensure_text'", 'version_skew'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/installation.md
    ("ModuleNotFoundError: No module named 'requests'", 'install'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/distributed_parallel.md
    ('Init plugin so failed, ret = 1343225860', 'hccl'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/distributed_parallel.md
    ("[ERROR] DEVICE [mindspore/ccsrc/runtime/device/gpu/cuda_driver.cc:245] SetDevice] SetDevice for id:7 failed, ret[101], invalid device ordinal. Please make sure that the 'device_id' set in context is in the range:[0, total number of GPU). If the environment variable 'CUDA_VISIBLE_DEVICES' is set, the total number of GPU will be the number set in the environment variable 'CUDA_VISIBLE_DEVICES'. For example, if export CUDA_VISIBLE_DEVICES=4,5,6, the 'device_id' can be 0,1,2 at the moment, 'device_id' starts from 0, and 'device_id'=0 means using GPU of number 4.\n[ERROR] DEVICE [mindspore/ccsrc/runtime/device/gpu/gpu_device_manager.cc:27] InitDevice] Op Error: Failed to set current device id | Error Number: 0", 'cann_env'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/distributed_parallel.md
    ('[CRITICAL] DISTRIBUTED [mindspore/ccsrc/distributed/cluster/cluster_context.cc:130] InitNodeRole] Role name is invalid...', 'dist_launch'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/distributed_parallel.md
    ('Ascend collective Error: "HcclCommInitRootInfo failed. | Error Number 2', 'hccl'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/distributed_parallel.md
    ('np_tensor can not be split by strategy!', 'shape_mismatch'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/distributed_parallel.md
    ('RuntimeError: DNS resolution failed: [Errno -2] Name or service not known. Please check whether the correct host name is input.', 'dist_launch'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/distributed_parallel.md
    ("RuntimeError: Ascend kernel runtime initialization failed, device id: 9. The details refer to 'Ascend Error Message'.\n---------------------------------------------------\n-Framework Error Message: (For framework developers)\n---------------------------------------------------\nCall aclrtSetDevice failed, ret[107001]. Got device count[8] and device id[9], please check if device id is valid.", 'cann_env'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/distributed_parallel.md
    ("[WARNING] DEVICE(xxx,xxxxxx,python):xxxx-xx-xx-xx:xx:xx.xxx.xxx [mindspore/ccsrc/plugin/device/cpu/hal/hardware/ms_collective_comm_lib.cc:251] QueryUniqueID] Retry to lookup the unique id for group xxx from the meta server node...Retry time: 1/66, sleep 1\nRuntimeError: Communicator of group xxx inited: failed. Result: Init communicator for group xxx exception info: Failed to fetch the unique id of the collective lib from the meta server node. Maybe the root rank process of this group has exited or has not executed to QueryUniqueID step. Please check root rank: 0's log.\n--------------------------------------------\n- C++ Call Stack: (For framework developers)\n--------------------------------------------\nmindspore/ccsrc/distributed/collective/collective_manager.cc:1123 WaitCommInitDone\nmindspore/ccsrc/plugin/device/cpu/hal/hardware/ms_collective_comm_lib.cc:260 QueryUniqueID", 'hccl'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/implement_problem.md
    ('Out of Memory!!! total[3212254720] (dynamic[0] memory poll[524288000]) malloc[32611480064] failed!', 'device_oom'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/implement_problem.md
    ('error while loading shared libraries: libge_compiler.so: cannot open shared object file: No such file or directory', 'cann_env'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/implement_problem.md
    ('Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n  File "/home/miniconda3/envs/ci39_cj/lib/python3.9/site-packages/gensim/__init__.py", line 11, in <module>\n    from gensim import parsing, corpora, matutils, interfaces, models, similarities, utils  # noqa:F401\n  File "/home/miniconda3/envs/ci39_cj/lib/python3.9/site-packages/gensim/matutils.py", line 1024, in <module>\n    from gensim._matutils import logsumexp, mean_absolute_difference, dirichlet_expectation\n  File "gensim/_matutils.pyx", line 1, in init gensim._matutils\nValueError: numpy.ndarray size changed, may indicate binary incompatibility. Expected 88 from C header, got 80 from PyObject', 'numpy_abi'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/implement_problem.md
    ('MemoryError: std::bad_alloc', 'host_oom'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("'self.xx' should be initialized as a 'Parameter' type in the '`__init__`' function", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("For syntax like 'a is not b', b supports True, False and None", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("TypeError: For 'Cell', the function construct requires 1 positional argument and 0 default argument, total 1, but got 2", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("Unsupported expression 'Yield'", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("TypeError: The params of function 'bprop' of Primitive or Cell requires the forward inputs as well as the 'out' and 'dout'.\nIn file test.py(13)\n        def bprop(self, x, y, out):", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("There isn't any branch that can be evaluated", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ('Exceed function call depth limit 1000', 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ('MindSpore can not compile temporary source code in terminal. Please write source code to a python file and run the file.', 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ('The input number of parameters is not Compatible.', 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ('ValueError: The shape of sense must not be dynamic shape.', 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("Nested execution during JIT execution for 'UserDefinedNet.func' is not supported when 'Net.construct' compile and execute.", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("ValueError: The value Parameter (name=name_a, shape=(1,), dtype=Float32, requires_grad=True) , its name 'name_a' already exists. Please set a unique name for the parameter.", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/data_processing.md
    ("RuntimeError: can't start new thread", 'host_system'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/data_processing.md
    ('Malloc device memory failed, free memory size is less than half of total memory size.Device 0 Device MOC total size:65464696832 Device MOC free size:3596279808 may be other processes occupying this card, ...', 'device_oom'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/operators_compile.md
    ('Error:Input and (output + workspace) num should <=192!', 'kernel_unsupported'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/operators_compile.md
    ('FM_W+pad_left+pad_right-KW>=strideW', 'kernel_unsupported'),
    # https://github.com/mindspore-ai/docs/blob/r2.0/docs/mindspore/source_en/faq/network_compilation.md
    ('Only support comparison with 1 operator, but got 2', 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/r2.0/docs/mindspore/source_en/faq/network_compilation.md
    ('TypeError: Do not support to convert <class xxx> object into graph node.', 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/r2.0/docs/mindspore/source_en/faq/network_compilation.md
    ('TypeError: Do not support to get attribute from xxx object xxx', 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/r2.0/docs/mindspore/source_en/faq/network_compilation.md
    ("RuntimeError: Should not use Python object in runtime, node: ValueNode<InterpretedObject> InterpretedObject: '[4 6]'.\nLine: In file test.py(11)\n        return np.add(x, y)\n        ^\n\nWe suppose all nodes generated by JIT Fallback not return to outside of graph. For more information about JIT Fallback, please refer to https://www.mindspore.cn/search?inputValue=JIT%20Fallback", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/r2.0/docs/mindspore/source_en/faq/installation.md
    ("AttributeError: module 'PIL' has no attribute 'ANTIALIAS'", 'version_skew'),
    # https://github.com/mindspore-ai/docs/blob/r2.2/docs/mindspore/source_en/faq/installation.md
    ("cannot import name 'context' from 'mindspore'", 'version_skew'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("TypeError: Cannot join the return values of different branches, perhaps you need to make them equal.\nType Join Failed: dtype1 = Float32, dtype2 = Float16.\nFor more details, please refer to https://www.mindspore.cn/search?inputValue=Type%20Join%20Failed.\n\nInner Message:\nThe abstract type of the return value of the current branch is AbstractTensor(shape: (2, 3, 4, 5), element: AbstractScalar(Type: Float16, Value: AnyValue, Shape: NoShape), value_ptr: 0x55b9f289d090, value: AnyValue), and that of the previous branch is AbstractTensor(shape: (2, 3, 4, 5), element: AbstractScalar(Type: Float32, Value: AnyValue, Shape: NoShape), value_ptr: 0x55b9f289d090, value: AnyValue).\nThe node is construct.6:[CNode]13{[0]: construct.6:[CNode]12{[0]: ValueNode<Primitive> Switch, [1]: [CNode]11, [2]: ValueNode<FuncGraph> ✓construct.4, [3]: ValueNode<FuncGraph> ✗construct.5}}, true branch: ✓construct.4, false branch: ✗construct.5\n\nThe function call stack (See file 'analyze_fail.ir' for more details. Get instructions about `analyze_fail.ir` at https://www.mindspore.cn/search?inputValue=analyze_fail.ir):\n# 0 In file test.py(14)\n        if a > b:\n        ^", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/master/docs/mindspore/source_en/faq/network_compilation.md
    ("TypeError: Type Join Failed: abstract type AbstractTensor cannot join with AbstractTuple.\nFor more details, please refer to https://www.mindspore.cn/search?inputValue=Type%20Join%20Failed.\n\nInner Message:\nThis: AbstractTensor(shape: (1), element: AbstractScalar(Type: Float32, Value: AnyValue, Shape: NoShape), value_ptr: 0x55c969c44c60, value: Tensor(shape=[1], dtype=Float32, value=[ 1.00000000e+00])), other: AbstractTuple{element[0]: AbstractTensor(shape: (1), element: AbstractScalar(Type: Float32, Value: AnyValue, Shape: NoShape), value_ptr: 0x55c96a9a3bd0, value: Tensor(shape=[1], dtype=Float32, value=[ 1.00000000e+00])), element[1]: AbstractTensor(shape: (1), element: AbstractScalar(Type: Float32, Value: AnyValue, Shape: NoShape), value_ptr: 0x55c96a5f06a0, value: Tensor(shape=[1], dtype=Float32, value=[ 2.00000000e+00])), sequence_nodes: {test_net.3:[CNode]4{[0]: ValueNode<PrimitivePy> MakeTuple, [1]: a, [2]: b}, elements_use_flags: {ptr: 0x55c96ae83400, value: [const vector][1, 1]}}}. Please check the node: test_net.5:a{[0]: a, [1]: test_net}\n\nThe function call stack (See file 'analyze_fail.ir' for more details. Get instructions about `analyze_fail.ir` at https://www.mindspore.cn/search?inputValue=analyze_fail.ir):\n\nThe function call stack:\n# 0 In file test.py(17)\n    a = grad(test_net)(x, y, sens_i)\n        ^", 'graph_compile_crash'),
    # https://github.com/mindspore-ai/docs/blob/r2.0/docs/mindspore/source_en/faq/network_compilation.md
    ("ValueError: Cannot join the return values of different branches, perhaps you need to make them equal.\nShape Join Failed: shape1 = (2, 3, 4, 5), shape2 = ().\nFor more details, please refer to https://www.mindspore.cn/search?inputValue=Type%20Join%20Failed.\n\nInner Message:\nThe abstract type of the return value of the current branch is AbstractTensor(shape: (), element: AbstractScalar(Type: Float32, Value: AnyValue, Shape: NoShape), value_ptr: 0x55658aa9b090, value: AnyValue), and that of the previous branch is AbstractTensor(shape: (2, 3, 4, 5), element: AbstractScalar(Type: Float32, Value: AnyValue, Shape: NoShape), value_ptr: 0x55658aa9b090, value: AnyValue).\nThe node is construct.6:[CNode]13{[0]: construct.6:[CNode]12{[0]: ValueNode<Primitive> Switch, [1]: [CNode]11, [2]: ValueNode<FuncGraph> ✓construct.4, [3]: ValueNode<FuncGraph> ✗construct.5}}, true branch: ✓construct.4, false branch: ✗construct.5\n\nThe function call stack (See file 'analyze_fail.ir' for more details. Get instructions about `analyze_fail.ir` at https://www.mindspore.cn/search?inputValue=analyze_fail.ir):\n# 0 In file test.py(14)\n        if a > b:\n        ^", 'graph_compile_crash'),
]


@pytest.mark.parametrize("text,category", CASES)
def test_mindspore_faq_error_names_its_category(text, category):
    assert top_category(text) == category
