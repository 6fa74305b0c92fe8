module npsd

go 1.26
