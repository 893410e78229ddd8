import mindspore as ms
from mindspore import Tensor, ops
import numpy as np
ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
@ms.jit
def step(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y
print(step(Tensor(np.ones((2, 2), np.float32))))
