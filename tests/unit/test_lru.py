"""The per-process bounded map (lms.core.lru): several keys looked up at once behave as one `get` each."""

from lms.core.lru import LruCache


def test_get_many_answers_as_get_in_order_and_marks_each_found_key_as_used():
    cache: LruCache[str, int] = LruCache(3)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert cache.get_many(["c", "x", "a"]) == [3, None, 1]
    cache.put("d", 4)  # the least recently used is now "b": "a" and "c" were just used
    assert cache.get_many(["a", "b", "c", "d"]) == [1, None, 3, 4]
    assert cache.get_many([]) == []
