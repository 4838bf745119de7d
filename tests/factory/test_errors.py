"""One-line errors: what Ray wraps around a worker's exception (actor, pid, colours, remote
traceback) is taken off, so the user reads the cause."""

from ray.exceptions import RayTaskError

from factory.errors import TeacherUnavailable, plain_error


def ray_wrapped(cause: BaseException) -> BaseException:
    tb = f'Traceback (most recent call last):\n  File "worker.py", line 9, in run_chunk\n{type(cause).__name__}: {cause}'
    return RayTaskError("run_chunk", tb, cause, proctitle="ray::ChunkWorker.run_chunk()", pid=4242,
                        ip="10.0.0.7", actor_repr="<ChunkWorker>", actor_id="ab" * 8).as_instanceof_cause()


def test_ray_wrapper_pid_and_colours_are_removed():
    e = ray_wrapped(TeacherUnavailable("no tokens for 300 s: the vLLM engine is stuck"))
    assert isinstance(e, TeacherUnavailable) and "\x1b[" in str(e)  # what the user used to see
    assert plain_error(e) == "no tokens for 300 s: the vLLM engine is stuck"


def test_a_wrapped_wrapper_and_a_bare_text_give_one_clean_line():
    twice = ray_wrapped(ray_wrapped(ValueError("bad shard")))
    assert plain_error(twice) == "bad shard"
    text = Exception("\x1b[36mray::VLLMTeacherActor.chat()\x1b[39m (pid=7, actor_id=ff)\nTraceback (most recent "
                     "call last):\n  File x\nRuntimeError: engine core died")
    assert plain_error(text) == "RuntimeError: engine core died"
    assert plain_error(RuntimeError("")) == "RuntimeError"
