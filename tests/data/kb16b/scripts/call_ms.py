import sys, json
import mindspore as ms
from mindone.diffusers import StableDiffusionXLPipeline
model = sys.argv[1]
call = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
ms.set_context(mode=ms.PYNATIVE_MODE, device_target="CPU")
pipe = StableDiffusionXLPipeline.from_pretrained(model, mindspore_dtype=ms.float32, use_safetensors=True)
if "prompt_embeds" in call:
    call["prompt_embeds"] = ms.ops.randn(*call["prompt_embeds"])
if "pooled_prompt_embeds" in call:
    call["pooled_prompt_embeds"] = ms.ops.randn(*call["pooled_prompt_embeds"])
call.setdefault("prompt", "A cinematic photograph of an astronaut riding a horse")
if call["prompt"] is None:
    del call["prompt"]
call.setdefault("num_inference_steps", 2); call.setdefault("height", 64); call.setdefault("width", 64)
image = pipe(**call)[0][0]
image.save("out.png")
print("saved out.png")
