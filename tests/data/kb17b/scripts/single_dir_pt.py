import sys, torch
from diffusers import StableDiffusionXLPipeline
pipe = StableDiffusionXLPipeline.from_single_file(sys.argv[1], torch_dtype=torch.float32)
print(type(pipe).__name__)
