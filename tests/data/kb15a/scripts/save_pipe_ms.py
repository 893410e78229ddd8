import sys
import mindspore as ms
from mindone.diffusers import StableDiffusionXLPipeline
pipe = StableDiffusionXLPipeline.from_pretrained(sys.argv[1], mindspore_dtype=ms.float32, use_safetensors=True)
pipe.save_pretrained(sys.argv[2], variant="fp16")
print("saved")
