import sys, os
import torch
from diffusers import StableDiffusionXLPipeline
model = sys.argv[1]
kw = {}
for a in sys.argv[2:]:
    k, v = a.split("=", 1)
    kw[k] = v
dev = kw.pop("device", "cpu")
out = kw.pop("out", "out.png")
dtype = kw.pop("dtype", "float32")
pipe = StableDiffusionXLPipeline.from_pretrained(model, torch_dtype=getattr(torch, dtype), use_safetensors=True, **kw)
pipe = pipe.to(dev)
image = pipe("A cinematic photograph of an astronaut riding a horse", num_inference_steps=2, height=64, width=64).images[0]
image.save(out)
print("saved", out)
