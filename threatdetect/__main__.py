from threatdetect.cli import main

main()
