from skimbal.cli import main


def test_usage(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "demo" in out and "cv" in out


def test_unknown_command(capsys):
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err
