import mindspore as ms
from mindspore import Tensor, nn
import numpy as np
ms.set_context(mode=ms.GRAPH_MODE, device_target="CPU")
class Net(nn.Cell):
    def construct(self, x):
        y = x.asnumpy()
        return Tensor(y * 2)
print(Net()(Tensor(np.ones((2, 2), np.float32))))
