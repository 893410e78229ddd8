import sys, os
import mindspore as ms
from mindone.diffusers import StableDiffusionXLPipeline
model = sys.argv[1]
kw = {}
for a in sys.argv[2:]:
    k, v = a.split("=", 1)
    kw[k] = v
mode = kw.pop("mode", "pynative")
dev = kw.pop("device", "CPU")
out = kw.pop("out", "out.png")
dtype = kw.pop("dtype", "float32")
ms.set_context(mode=ms.GRAPH_MODE if mode == "graph" else ms.PYNATIVE_MODE, device_target=dev)
pipe = StableDiffusionXLPipeline.from_pretrained(model, mindspore_dtype=getattr(ms, dtype), use_safetensors=True, **kw)
image = pipe("A cinematic photograph of an astronaut riding a horse", num_inference_steps=2, height=64, width=64)[0][0]
image.save(out)
print("saved", out)
