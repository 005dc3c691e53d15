"""sgdlab.torch_fit: the notebook-05 loop and a scored, equal-budget run."""

import pytest
import torch
from torch import nn

from sgdlab.torch_fit import fit, train_and_score


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g)
    return x, (x[:, :1] > 0).float()


def test_counts_examples_and_learns_a_separable_task():
    x, y = _data()
    torch.manual_seed(0)
    start = nn.Linear(3, 1).state_dict()
    before = train_and_score(lambda: nn.Linear(3, 1), start, {"train": (x, y)},
                             nn.BCEWithLogitsLoss(), lr=1e-6, batch_size=8, epochs=1, seed=0)
    after = train_and_score(lambda: nn.Linear(3, 1), start, {"train": (x, y)},
                            nn.BCEWithLogitsLoss(), lr=0.5, batch_size=8, epochs=20, seed=0)
    assert before["examples"] == 64 and after["examples"] == 20 * 64
    assert after["train"] > 0.95 and after["train"] > before["train"]


def test_fit_takes_one_step_per_batch():
    x, y = _data()
    model = nn.Linear(3, 1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    losses = fit(model, loader, nn.BCEWithLogitsLoss(), opt, epochs=3)
    assert len(losses) == 3
    assert opt.state[model.weight]["momentum_buffer"] is not None
    assert sum(1 for _ in loader) == 7   # 64 rows: six batches of 10 and one of 4


@pytest.mark.parametrize("kwargs,word", [(dict(lr=0.0), "lr"), (dict(batch_size=0), "batch_size"),
                                         (dict(momentum=1.0), "momentum")])
def test_bad_inputs(kwargs, word):
    x, y = _data()
    options = dict(lr=0.1, batch_size=8, epochs=1, seed=0) | kwargs
    with pytest.raises(ValueError, match=word):
        train_and_score(lambda: nn.Linear(3, 1), nn.Linear(3, 1).state_dict(), {"train": (x, y)},
                        nn.BCEWithLogitsLoss(), **options)


@pytest.mark.parametrize("change,word", [
    (dict(network=nn.Linear(3, 1)), "network"),           # a model, not a function
    (dict(start={}), "start"),                             # no weights to load
    (dict(data_sets={"train": (torch.randn(8, 2), torch.zeros(8, 1))}), "data_sets"),
    (dict(data_sets={"test": (torch.randn(8, 3), torch.zeros(8, 1))}), "data_sets"),
    (dict(seed=-1), "seed"),
    (dict(device="nonsense"), "device"),
])
def test_bad_model_data_and_device_are_named(change, word):
    x, y = _data()
    args = dict(network=lambda: nn.Linear(3, 1), start=nn.Linear(3, 1).state_dict(),
                data_sets={"train": (x, y)}, loss_fn=nn.BCEWithLogitsLoss(), lr=0.1,
                batch_size=8, epochs=1, seed=0) | change
    with pytest.raises(ValueError, match=word):
        train_and_score(**args)

