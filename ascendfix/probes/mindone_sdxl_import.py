"""``from mindone.diffusers import StableDiffusionXLPipeline``, timed: the import users hit first."""

import time


def main(args, emit):
    t = time.time()
    from mindone.diffusers import StableDiffusionXLPipeline

    return {"seconds": round(time.time() - t, 1), "cls": StableDiffusionXLPipeline.__name__}
